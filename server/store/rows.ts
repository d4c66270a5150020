/** Read queries' column lists and the mapping of their rows to the store's types. */
import type { SqlValue } from 'sql.js';
import type { FlowRow, LogRow, RecordRow, RunRow, StepRow } from './types.ts';

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
  'id, flow_id, flow_name, flow, status, settings, record_count, reason, created_at, started_at, ended_at';
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
  };
}

export const RECORD_COLUMNS = 'run_id, idx, status, data, output, error, reason, checkpoint, started_at, ended_at';
export function toRecord(r: SqlValue[]): RecordRow {
  return {
    runId: str(r[0]),
    index: num(r[1]),
    status: str(r[2]) as RecordRow['status'],
    data: parse(r[3]),
    output: parse(r[4]),
    error: parse(r[5]),
    reason: strOrNull(r[6]),
    checkpoint: parse(r[7]),
    startedAt: strOrNull(r[8]),
    endedAt: strOrNull(r[9]),
  };
}

export const STEP_COLUMNS =
  'run_id, record_idx, seq, token_id, node_id, node_type, attempt, status, input, input_from, output, error, evidence, started_at, ended_at, duration_ms';
export function toStep(r: SqlValue[]): StepRow {
  return {
    runId: str(r[0]),
    recordIndex: num(r[1]),
    seq: num(r[2]),
    tokenId: num(r[3]),
    nodeId: str(r[4]),
    nodeType: str(r[5]),
    attempt: num(r[6]),
    status: str(r[7]) as StepRow['status'],
    input: parse(r[8]),
    inputFrom: numOrNull(r[9]),
    output: parse(r[10]),
    error: parse(r[11]),
    evidence: parse(r[12]),
    startedAt: str(r[13]),
    endedAt: str(r[14]),
    durationMs: num(r[15]),
  };
}

export const LOG_COLUMNS = 'run_id, record_idx, node_id, level, message, data, at';
export function toLog(r: SqlValue[]): LogRow {
  return {
    runId: str(r[0]),
    recordIndex: numOrNull(r[1]),
    nodeId: strOrNull(r[2]),
    level: str(r[3]) as LogRow['level'],
    message: str(r[4]),
    data: parse(r[5]),
    at: str(r[6]),
  };
}
