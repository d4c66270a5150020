/**
 * The wire types the studio reads: all of them are the contract's (server/contract), defined once
 * for the server and the studio. Type-only: nothing of the server is bundled.
 */
export type { FlowDocument } from '../../server/contract/flow/schema.ts';
export type { RunStatus, RecordStatus, StatusCounts } from '../../server/contract/status.ts';
export type { Json, LogLevel, RecordData, PortSpec } from '../../server/contract/data.ts';
export type { NodeTypeInfo } from '../../server/contract/wire/node-types.ts';
export type { FlowSummary, FlowEntry, KeptFileInfo } from '../../server/contract/wire/flows.ts';
export type {
  RunSettings,
  NodeCounters,
  RunSummary,
  RecordSummary,
  RecordsPage,
  Step,
  LogLine,
  RunUpdate,
  RecordEvent,
  RecordDetailResponse,
  DamagedEvidence,
  Page,
  RunInputBody,
} from '../../server/contract/wire/runs.ts';
export type { OutcomeCounts, RunGroupsInfo, RunGroupsResponse } from '../../server/contract/wire/groups.ts';
export type { ReviewItem, ReviewStatus, ReviewQuery, ReviewActionKind, ReviewActionBody, ReviewActionResult } from '../../server/contract/wire/review.ts';
