/**
 * Idempotency and review queries of the embedded store (part of the `AuditReads` role of
 * server/store/types.ts): which business keys other runs of a flow attempted, and the review queue
 * across runs. Both read the database only (archived runs keep their keys in `archived_keys`).
 */
import type { KeyAttempt, KeyAttempts, Page, RecordRow, RecordStatus, ReviewFilter, RunStatus } from './types.ts';
import { REVIEW_COLUMNS, toReviewItem } from './rows.ts';
import type { Param, Sql } from './sql.ts';
import { REVIEW_STATUSES } from '../contract/status.ts';
import { clampLimit, clampOffset } from './paging.ts';

const DEFAULT_REVIEW_LIMIT = 100;
const DEFAULT_REVIEW_STATUSES: readonly RecordStatus[] = REVIEW_STATUSES;
/** Keys looked up per query by `keyAttempts` (one prepared statement, padded with NULLs). */
const KEY_BATCH = 500;
// The index on the key is named and the join order forced: without statistics SQLite would rather scan
// every successful record of the flow's runs.
// Pending and skipped records are not attempts (a settled record is stored skipped).
// Records of archived runs answer from archived_keys (their rows are in the archive).
const KEY_MARKS = Array.from({ length: KEY_BATCH }, (_, i) => `?${i + 1}`).join(', ');
const SQL_KEY_ATTEMPTS = `SELECT * FROM (
  SELECT r.key, ru.id, r.idx, r.status, r.error_code, json_extract(r.checkpoint, '$.inFlight') IS NOT NULL, ru.status, ru.key AS run_key
  FROM records r INDEXED BY records_by_key CROSS JOIN runs ru ON ru.key = r.run_key
  WHERE r.key IN (${KEY_MARKS}) AND r.key IS NOT NULL
  AND r.status IN ('success', 'failed', 'needs_review', 'running') AND ru.flow_id = ?${KEY_BATCH + 1} AND ru.id <> ?${KEY_BATCH + 2}
  UNION ALL
  SELECT a.key, ru.id, a.idx, a.status, a.error_code, a.in_flight, ru.status, ru.key AS run_key
  FROM archived_keys a INDEXED BY archived_keys_by_key CROSS JOIN runs ru ON ru.key = a.run_key
  WHERE a.key IN (${KEY_MARKS})
  AND a.status IN ('success', 'failed', 'needs_review', 'running') AND ru.flow_id = ?${KEY_BATCH + 1} AND ru.id <> ?${KEY_BATCH + 2}
) ORDER BY run_key DESC, idx`;

/** See `AuditReads.keyAttempts`. */
export function keyAttempts(sql: Sql, flowId: string, keys: string[], excludeRunId: string): Map<string, KeyAttempts> {
  const found = new Map<string, KeyAttempts>();
  const unique = [...new Set(keys.filter((k) => typeof k === 'string'))];
  const params: Param[] = new Array<Param>(KEY_BATCH + 2).fill(null);
  params[KEY_BATCH] = flowId;
  params[KEY_BATCH + 1] = excludeRunId;
  for (let start = 0; start < unique.length; start += KEY_BATCH) {
    for (let i = 0; i < KEY_BATCH; i++) params[i] = unique[start + i] ?? null;
    // Newest run first: the first row of a key is its latest attempt, its first success the latest one.
    for (const [key, runId, index, status, code, inFlight, runStatus] of sql.all(SQL_KEY_ATTEMPTS, params)) {
      const attempt: KeyAttempt = {
        runId: runId as string,
        index: index as number,
        status: status as RecordStatus,
        runStatus: runStatus as RunStatus,
        errorCode: code === null ? null : String(code),
        inFlight: Number(inFlight) === 1,
      };
      const seen = found.get(key as string);
      if (!seen) found.set(key as string, { last: attempt, lastSuccess: attempt.status === 'success' ? attempt : null });
      else if (!seen.lastSuccess && attempt.status === 'success') seen.lastSuccess = attempt;
    }
  }
  return found;
}

/**
 * The review queue (see `AuditReads.listReview`). `runKey` is the store key of `filter.runId`, resolved
 * by the caller (null: no such run, so nothing to review).
 */
export function listReview(sql: Sql, filter: ReviewFilter, runKey: number | null): Page<RecordRow & { flowId: string; flowName: string }> {
  const statuses = [...new Set(filter.statuses ?? DEFAULT_REVIEW_STATUSES)];
  if (statuses.length === 0) return { items: [], total: 0 };
  const where = [`r.status IN (${statuses.map(() => '?').join(', ')})`];
  const params: Param[] = [...statuses];
  if (filter.runId !== undefined) {
    if (runKey === null) return { items: [], total: 0 };
    where.push('r.run_key = ?');
    params.push(runKey);
  }
  if (filter.flowId !== undefined) {
    where.push('ru.flow_id = ?');
    params.push(filter.flowId);
  }
  if (filter.code !== undefined) {
    where.push('r.error_code = ?');
    params.push(filter.code);
  }
  if (filter.nodeId !== undefined) {
    where.push("json_extract(r.error, '$.nodeId') = ?");
    params.push(filter.nodeId);
  }
  // Runs drive the join: each run's review records are found with records_by_status (run, status).
  const from = `FROM runs ru CROSS JOIN records r ON r.run_key = ru.key WHERE ${where.join(' AND ')}`;
  const total = Number(sql.one(`SELECT count(*) ${from}`, params)?.[0] ?? 0);
  const limit = clampLimit(filter.limit, DEFAULT_REVIEW_LIMIT);
  const offset = clampOffset(filter.offset);
  if (limit === 0 || offset >= total) return { items: [], total };
  const rows = sql.all(`SELECT ${REVIEW_COLUMNS} ${from} ORDER BY ru.created_at DESC, ru.id DESC, r.idx LIMIT ? OFFSET ?`, [
    ...params,
    limit,
    offset,
  ]);
  return { items: rows.map(toReviewItem), total };
}
