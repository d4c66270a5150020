/**
 * What the run report and the grouped progress read from the embedded store, without the records' JSON
 * (the `ReportReads` role of server/store/types.ts). Queries over a run's rows in the database; an archived
 * run answers from its archive instead (see SqlJsReads).
 */
import type { Json, TerminalStatus } from '../../nodes/sdk/types.ts';
import type { RecordStatus, RecordSummary, RecordTiming, StepTimings } from './types.ts';
import { expandOutcomes } from './archive/reader.ts';
import type { Sql } from './sql.ts';

/** Records whose steps `stepTimings` reads per query. */
const STEP_TIMINGS_SLICE = 10_000;
const SQL_STEP_TIMINGS = `SELECT group_concat(node_id || char(31) || CASE status WHEN 'success' THEN 's' ELSE 'f' END || char(31) || duration_ms, char(30))
  FROM steps WHERE run_key = ?1 AND record_idx >= ?2 AND record_idx < ?3`;

/**
 * Step durations of run `key` grouped per node and status: its steps in the database and `spilled`, the
 * durations of its steps moved to step segments in the same joined form.
 */
export function stepTimings(sql: Sql, key: number, spilled: string[]): StepTimings[] {
  // SQLite joins each slice's steps into one string ("node\x1fs|f\x1fms" per step, \x1e between steps):
  // one scan without sorting, and no JavaScript array per step. Slices keep each string small.
  const groups = new Map<string, StepTimings>();
  const last = Number(sql.one('SELECT max(record_idx) FROM steps WHERE run_key = ?', [key])?.[0] ?? -1);
  const joinedSlices: string[] = spilled;
  for (let from = 0; from <= last; from += STEP_TIMINGS_SLICE) {
    const joined = sql.one(SQL_STEP_TIMINGS, [key, from, from + STEP_TIMINGS_SLICE])?.[0];
    if (typeof joined === 'string' && joined.length > 0) joinedSlices.push(joined);
  }
  // Spilled steps keep their durations in the same joined form, several per part (spill.ts, `Durations`).
  for (const joined of joinedSlices) {
    let at = 0;
    while (at < joined.length) {
      let end = joined.indexOf('\x1e', at);
      if (end < 0) end = joined.length;
      const sep = joined.indexOf('\x1f', at);
      const nodeId = joined.slice(at, sep);
      const status = joined.charCodeAt(sep + 1) === 115 /* s */ ? 'success' : 'failed';
      const id = status === 'success' ? `s${nodeId}` : `f${nodeId}`;
      let group = groups.get(id);
      if (!group) groups.set(id, (group = { nodeId, status, durations: [] }));
      // One duration, or a spill batch's durations of this node and status: "ms,ms,…" (spill.ts).
      for (let from = sep + 3; from < end; ) {
        let comma = joined.indexOf(',', from);
        if (comma < 0 || comma > end) comma = end;
        group.durations.push(Number(joined.slice(from, comma)));
        from = comma + 1;
      }
      at = end + 1;
    }
  }
  return [...groups.values()].sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : a.status < b.status ? 1 : -1));
}

/** Every record of run `key` (index order), without data, output or checkpoint. */
export function recordTimings(sql: Sql, key: number): RecordTiming[] {
  const settled = new Set(
    sql.all("SELECT record_idx FROM record_events WHERE run_key = ? AND action = 'settled'", [key]).map((r) => r[0] as number),
  );
  return sql
    .all('SELECT idx, status, started_at, ended_at, error_code FROM records WHERE run_key = ? ORDER BY idx', [key])
    .map((r) => ({
      index: r[0] as number,
      status: r[1] as RecordStatus,
      startedAt: r[2] as string | null,
      endedAt: r[3] as string | null,
      errorCode: r[4] === null ? null : String(r[4]),
      settled: settled.has(r[0] as number),
    }));
}

/** Every record of run `key` in index order: status, the values of `fields`, and its paths' outcomes. */
export function recordSummaries(sql: Sql, key: number, fields: string[]): RecordSummary[] {
  // JSON paths quote the field names, so any name (spaces, dots) reads the top-level field.
  const cols = fields.map((_, i) => `json_extract(data, ?${i + 2})`).join(', ');
  const rows = sql.all(
    `SELECT idx, status, json_extract(checkpoint, '$.outcomes'), json_extract(checkpoint, '$.outcomeCounts')${cols ? ', ' + cols : ''} FROM records WHERE run_key = ?1 ORDER BY idx`,
    [key, ...fields.map((f) => `$."${f.replace(/["\\]/g, (c) => '\\' + c)}"`)],
  );
  return rows.map((r) => ({
    index: r[0] as number,
    status: r[1] as RecordStatus,
    outcomes: r[2] === null ? null : [...(JSON.parse(r[2] as string) as TerminalStatus[]), ...expandOutcomes(r[3] === null ? undefined : JSON.parse(r[3] as string))],
    fields: fields.map((_, i) => (r[4 + i] ?? null) as Json),
  }));
}
