/** Row shapes of the PostgreSQL store's reads and their mapping to the store's types. */
import type { TerminalStatus } from '../../../nodes/sdk/types.ts';
import type { FlowRow, LogRow, RecordCheckpoint, RecordEventRow, RecordRow, RejectRow, RunRow, StepRow } from '../types.ts';

type Row = Record<string, any>;
const parse = (v: string | null): any => (v === null || v === undefined ? null : JSON.parse(v));

export const FLOW_COLUMNS = 'id, name, doc, created_at, updated_at';
export const toFlow = (r: Row): FlowRow => ({ id: r.id, name: r.name, doc: parse(r.doc), createdAt: r.created_at, updatedAt: r.updated_at });

export const RUN_COLUMNS = 'id, flow_id, flow_name, flow, status, settings, record_count, reason, created_at, started_at, ended_at, halts';
export const toRun = (r: Row): RunRow => ({
  id: r.id,
  flowId: r.flow_id,
  flowName: r.flow_name,
  flow: parse(r.flow),
  status: r.status,
  settings: parse(r.settings),
  recordCount: r.record_count,
  reason: parse(r.reason),
  createdAt: r.created_at,
  startedAt: r.started_at,
  endedAt: r.ended_at,
  ...(r.halts === null || r.halts === undefined ? {} : { halts: parse(r.halts) }),
});

export const RECORD_COLUMNS = 'run_id, idx, status, data, output, error, reason, checkpoint, started_at, ended_at, source_row';
export const toRecord = (r: Row): RecordRow => ({
  runId: r.run_id,
  index: r.idx,
  status: r.status,
  data: parse(r.data),
  output: parse(r.output),
  error: parse(r.error),
  reason: r.reason,
  checkpoint: parse(r.checkpoint),
  startedAt: r.started_at,
  endedAt: r.ended_at,
  sourceRow: r.source_row,
});

export const STEP_COLUMNS = 'run_id, record_idx, seq, token_id, node_id, node_type, attempt, status, input, input_from, output, error, evidence, started_at, ended_at, duration_ms';
export const toStep = (r: Row): StepRow => ({
  runId: r.run_id,
  recordIndex: r.record_idx,
  seq: r.seq,
  tokenId: r.token_id,
  nodeId: r.node_id,
  nodeType: r.node_type,
  attempt: r.attempt,
  status: r.status,
  input: parse(r.input),
  inputFrom: r.input_from,
  output: parse(r.output),
  error: parse(r.error),
  evidence: parse(r.evidence),
  startedAt: r.started_at,
  endedAt: r.ended_at,
  durationMs: r.duration_ms,
});

export const LOG_COLUMNS = 'run_id, record_idx, node_id, level, message, data, at';
export const toLog = (r: Row): LogRow => ({ runId: r.run_id, recordIndex: r.record_idx, nodeId: r.node_id, level: r.level, message: r.message, data: parse(r.data), at: r.at });

export const REJECT_COLUMNS = 'run_id, row, field, rule, value, message';
export const toReject = (r: Row): RejectRow => ({ runId: r.run_id, row: r.row, field: r.field, rule: r.rule, value: parse(r.value), message: r.message });

export const EVENT_COLUMNS = 'run_id, record_idx, at, from_status, to_status, actor, action, note, data';
export const toEvent = (r: Row): RecordEventRow => ({
  runId: r.run_id,
  recordIndex: r.record_idx,
  at: r.at,
  from: r.from_status,
  to: r.to_status,
  actor: r.actor,
  action: r.action,
  note: r.note,
  data: parse(r.data),
});

const OUTCOME_ORDER: TerminalStatus[] = ['success', 'failed', 'needs_review', 'skipped'];

/** Path outcomes kept as counts (a fanned-out record's header) back as the list they stand for. */
export function outcomesOf(listed: TerminalStatus[] | null | undefined, counts: Partial<Record<string, number>> | null | undefined): TerminalStatus[] {
  const out = [...(listed ?? [])];
  for (const status of OUTCOME_ORDER) out.push(...Array<TerminalStatus>(counts?.[status] ?? 0).fill(status));
  return out;
}

/**
 * The whole checkpoint of a record kept as a header and rows (it fanned out: server/engine/fan-out.ts):
 * tokens and groups in their order (`rows` sorted by kind, then order), path outcomes as a list.
 */
export function wholeCheckpoint(record: RecordRow, rows: Array<{ kind: string; value: string }>): RecordRow {
  const cp = record.checkpoint as (RecordCheckpoint & { tokenRows?: boolean; outcomeCounts?: Record<string, number> }) | null;
  if (!cp?.tokenRows) return record;
  const { tokenRows: _rows, outcomeCounts, ...header } = cp;
  const tokens = rows.filter((r) => r.kind === 't').map((r) => JSON.parse(r.value));
  const groups = rows.filter((r) => r.kind === 'g').map((r) => JSON.parse(r.value));
  return { ...record, checkpoint: { ...header, tokens, groups, outcomes: outcomesOf(header.outcomes, outcomeCounts) } };
}
