/** Read queries' column lists and the mapping of their rows to the store's types. */
import type { SqlValue } from 'sql.js';
import type { FlowRow, LogRow, RecordEventRow, RecordRow, RejectRow, RunRow, StepRow } from './types.ts';

const str = (v: SqlValue): string => v as string;
const strOrNull = (v: SqlValue): string | null => (v === null ? null : (v as string));
const num = (v: SqlValue): number => v as number;
const numOrNull = (v: SqlValue): number | null => (v === null ? null : (v as number));
const parse = (v: SqlValue): any => (v === null ? null : JSON.parse(v as string));

export const FLOW_COLUMNS = 'id, name, doc, created_at, updated_at';
export function toFlow(r: SqlValue[]): FlowRow {
  return { id: str(r[0]), name: str(r[1]), doc: parse(r[2]), createdAt: str(r[3]), updatedAt: str(r[4]) };
}

export const RUN_COLUMNS =
  'id, flow_id, flow_name, flow, status, settings, record_count, reason, created_at, started_at, ended_at, halts';
export function toRun(r: SqlValue[]): RunRow {
  return {
    id: str(r[0]),
    flowId: str(r[1]),
    flowName: str(r[2]),
    flow: parse(r[3]),
    status: str(r[4]) as RunRow['status'],
    settings: parse(r[5]),
    recordCount: num(r[6]),
    reason: parse(r[7]),
    createdAt: str(r[8]),
    startedAt: strOrNull(r[9]),
    endedAt: strOrNull(r[10]),
    ...(r[11] === null || r[11] === undefined ? {} : { halts: parse(r[11]) }),
  };
}

/**
 * A record's columns; the last, `output_step` (at `OUTPUT_STEP_AT`), is the seq of the step whose data is
 * the record's output when it is kept by reference (output-ref.ts): the reader fills the output in.
 */
export const RECORD_COLUMNS = 'idx, status, data, output, error, reason, checkpoint, started_at, ended_at, source_row, output_step';
export const OUTPUT_STEP_AT = 10;
export function toRecord(runId: string, r: SqlValue[]): RecordRow {
  return {
    runId,
    index: num(r[0]),
    status: str(r[1]) as RecordRow['status'],
    data: parse(r[2]),
    output: parse(r[3]),
    error: parse(r[4]),
    reason: strOrNull(r[5]),
    checkpoint: parse(r[6]),
    startedAt: strOrNull(r[7]),
    endedAt: strOrNull(r[8]),
    sourceRow: r[9] === null || r[9] === undefined ? null : num(r[9]),
  };
}

export const STEP_COLUMNS =
  'record_idx, seq, token_id, node_id, node_type, attempt, status, input, input_from, output, error, evidence, started_at, ended_at, duration_ms';
export function toStep(runId: string, r: SqlValue[]): StepRow {
  return {
    runId,
    recordIndex: num(r[0]),
    seq: num(r[1]),
    tokenId: num(r[2]),
    nodeId: str(r[3]),
    nodeType: str(r[4]),
    attempt: num(r[5]),
    status: str(r[6]) as StepRow['status'],
    input: parse(r[7]),
    inputFrom: numOrNull(r[8]),
    output: parse(r[9]),
    error: parse(r[10]),
    evidence: parse(r[11]),
    startedAt: str(r[12]),
    endedAt: str(r[13]),
    durationMs: num(r[14]),
  };
}

export const LOG_COLUMNS = 'record_idx, node_id, level, message, data, at';
export function toLog(runId: string, r: SqlValue[]): LogRow {
  return {
    runId,
    recordIndex: numOrNull(r[0]),
    nodeId: strOrNull(r[1]),
    level: str(r[2]) as LogRow['level'],
    message: str(r[3]),
    data: parse(r[4]),
    at: str(r[5]),
  };
}

export const REJECT_COLUMNS = 'row, field, rule, value, message';
export function toReject(runId: string, r: SqlValue[]): RejectRow {
  return { runId, row: num(r[0]), field: strOrNull(r[1]), rule: str(r[2]), value: parse(r[3]), message: str(r[4]) };
}

export const EVENT_COLUMNS = 'record_idx, at, from_status, to_status, actor, action, note, data';
export function toEvent(runId: string, r: SqlValue[]): RecordEventRow {
  return {
    runId,
    recordIndex: num(r[0]),
    at: str(r[1]),
    from: strOrNull(r[2]) as RecordEventRow['from'],
    to: strOrNull(r[3]) as RecordEventRow['to'],
    actor: str(r[4]) as RecordEventRow['actor'],
    action: str(r[5]),
    note: strOrNull(r[6]),
    data: parse(r[7]),
  };
}

/** Review items: the run's id, flow id and name, then the record's columns (`r.` = records, `ru.` = runs). */
export const REVIEW_COLUMNS = `ru.id, ru.flow_id, ru.flow_name, ${RECORD_COLUMNS.split(', ')
  .map((c) => `r.${c}`)
  .join(', ')}`;
export function toReviewItem(r: SqlValue[]): RecordRow & { flowId: string; flowName: string } {
  return { ...toRecord(str(r[0]), r.slice(3)), flowId: str(r[1]), flowName: str(r[2]) };
}
