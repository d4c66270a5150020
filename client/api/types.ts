import type { FlowDocument } from '../../server/contract/flow/schema.ts';
import type { RunStatus, RecordStatus, StatusCounts, RunSettings, RecordEventRow } from '../../server/store/types.ts';
import type { StepErrorInfo } from '../../nodes/sdk/node-error.ts';
import type { Json, LogLevel, RecordData, PortSpec, DynamicPorts, NodeCategory } from '../../nodes/sdk/types.ts';

export type { FlowDocument, RunStatus, RecordStatus, StatusCounts, RunSettings, Json, LogLevel, RecordData, PortSpec };

/** What GET /api/node-types serves for one node type (mirrors nodes/registry.ts NodeTypeInfo). */
export interface NodeTypeInfo {
  type: string;
  title: string;
  category: NodeCategory | string;
  description: string;
  icon?: string;
  effect: string;
  trigger: boolean;
  collect: boolean;
  /** A trigger that reads a spreadsheet given to the run. */
  acceptsFile?: boolean;
  /** A trigger whose records form groups (search groups and their terms): GET /api/runs/:id/groups. */
  grouped?: boolean;
  inputs: PortSpec[];
  outputs: PortSpec[];
  errorPort: PortSpec;
  dynamicOutputs?: DynamicPorts;
  credentials: Array<{ name: string; kind: string | string[]; optional?: boolean }>;
  paramsSchema: Record<string, unknown>;
  defaults: Record<string, unknown>;
}

export type { FlowSummary, FlowEntry } from '../../server/flow/flow-library.ts';

export interface NodeCounters {
  inProgress: number;
  success: number;
  failed: number;
}

export interface RunSummary {
  id: string;
  flowId: string;
  flowName: string;
  status: RunStatus;
  settings: RunSettings;
  recordCount: number;
  counts: StatusCounts;
  nodes: Record<string, NodeCounters>;
  reason: (StepErrorInfo & { nodeId?: string }) | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  flow?: FlowDocument;
}

export interface RecordSummary {
  index: number;
  status: RecordStatus;
  data: RecordData;
  output: RecordData | null;
  error: { code: string; message: string; hint: string; nodeId?: string } | null;
  reason: string | null;
  startedAt: string | null;
  endedAt: string | null;
}

export interface Step {
  seq: number;
  tokenId: number;
  nodeId: string;
  nodeType: string;
  attempt: number;
  status: 'success' | 'failed';
  input: unknown;
  output: Array<{ port: string; data: RecordData }> | unknown;
  error: { code: string; message: string; hint: string } | null;
  evidence: string[];
  startedAt: string;
  endedAt: string;
  durationMs: number;
}

export interface LogLine {
  runId?: string;
  recordIndex: number | null;
  nodeId: string | null;
  level: LogLevel;
  message: string;
  data?: Json | null;
  at: string;
}

export interface RunUpdate {
  runId: string;
  seq: number;
  final: boolean;
  status: RunStatus;
  counts: StatusCounts;
  recordCount: number;
  nodes: Record<string, NodeCounters>;
  records?: Array<{ index: number; status: RecordStatus }>;
  logs?: LogLine[];
  reason: RunSummary['reason'];
}

/** Results of one term (or group) per status: the ways its record ended. */
export type OutcomeCounts = { success: number; failed: number; needs_review: number; skipped: number };

/** What GET /api/runs/:id/groups answers for a grouped run (server/engine/run-groups.ts). */
export interface RunGroupsInfo {
  grouped: true;
  groupField: string;
  itemField: string;
  /** The term under way, else the next one; null when every term has ended. */
  position: { group: string; item: string; index: number; status: RecordStatus } | null;
  groups: Array<{
    name: string;
    total: number;
    processed: number;
    counts: StatusCounts;
    results: OutcomeCounts;
    items: Array<{ index: number; name: string; status: RecordStatus; results: OutcomeCounts }>;
  }>;
}

export type RunGroupsResponse = RunGroupsInfo | { grouped: false };

export interface Page<T> {
  items: T[];
  total: number;
}

export interface RunInputBody {
  records?: RecordData[];
  text?: string;
  format?: 'json' | 'csv';
}

/** One change in a record's life (GET /api/runs/:id/records/:index → `events`): the audit trail. */
export type RecordEvent = Omit<RecordEventRow, 'runId' | 'recordIndex'>;

/** What GET /api/runs/:id/records/:index answers. `events` is absent on servers without an audit trail. */
export interface RecordDetailResponse {
  record: RecordSummary;
  steps: Step[];
  events?: RecordEvent[];
}

/** A record that needs a person (GET /api/review). */
export interface ReviewItem extends RecordSummary {
  runId: string;
  flowId: string;
  flowName: string;
}

export type ReviewStatus = 'needs_review' | 'failed';

export interface ReviewQuery {
  flowId?: string;
  runId?: string;
  code?: string;
  status?: ReviewStatus | '';
  offset?: number;
  limit?: number;
}

export type ReviewActionKind = 'retry' | 'skip' | 'resolve';

export interface ReviewActionBody {
  action: ReviewActionKind;
  items: Array<{ runId: string; index: number }>;
  note?: string;
  /** Only with `retry` of a single item: the record's corrected data. */
  data?: RecordData;
}

export interface ReviewActionResult {
  runId: string;
  index: number;
  ok: boolean;
  error?: { code?: string; message?: string; hint?: string } | string;
}
