/** What retention reads of the PostgreSQL store (see ../retention.ts for what each answers). */
import type pg from 'pg';
import type { Json } from '../../../nodes/sdk/types.ts';
import type { AuditAction, AuditActor, AuditEntry, RunHead, RunStoreSize } from '../retention.ts';

/** The upload a run read (`settings.upload`), as text or null; settings are JSON text written by the store. */
const UPLOAD = "(settings::jsonb ->> 'upload')";

export async function listAudit(db: pg.Pool, filter: { runId?: string; offset?: number; limit?: number } = {}): Promise<{ items: AuditEntry[]; total: number }> {
  const where = filter.runId !== undefined ? 'WHERE run_id = $1' : '';
  const params: unknown[] = filter.runId !== undefined ? [filter.runId] : [];
  const total = (await db.query<{ n: number }>(`SELECT count(*) AS n FROM audit ${where}`, params)).rows[0].n;
  const limit = Math.max(0, Math.floor(filter.limit ?? 100));
  const offset = Math.max(0, Math.floor(filter.offset ?? 0));
  const rows = (await db.query(`SELECT * FROM audit ${where} ORDER BY id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`, [...params, limit, offset])).rows;
  const items = rows.map(
    (r): AuditEntry => ({
      id: Number(r.id),
      at: r.at,
      actor: r.actor as AuditActor,
      action: r.action as AuditAction,
      runId: r.run_id,
      flowId: r.flow_id,
      flowName: r.flow_name,
      records: Number(r.records),
      bytes: Number(r.bytes),
      detail: r.detail === null ? null : (JSON.parse(r.detail) as Json),
    }),
  );
  return { items, total };
}

/** The same estimate as the embedded store: the lengths of the run's text columns plus a fixed cost per row. */
export async function runStoreSize(db: pg.Pool, runId: string): Promise<RunStoreSize | null> {
  const r = (
    await db.query(
      `SELECT
        (SELECT length(flow) + length(settings) + coalesce(length(reason), 0) + 200 FROM runs WHERE id = $1) AS run,
        (SELECT count(*) FROM records WHERE run_id = $1) AS records,
        (SELECT coalesce(sum(length(data) + coalesce(length(output), 0) + coalesce(length(error), 0) + coalesce(length(checkpoint), 0)
           + coalesce(length(reason), 0) + coalesce(length(key), 0) + 60), 0) FROM records WHERE run_id = $1) AS record_bytes,
        (SELECT count(*) FROM steps WHERE run_id = $1) AS steps,
        (SELECT coalesce(sum(coalesce(length(input), 0) + length(output) + coalesce(length(error), 0) + length(evidence)
           + length(node_id) + length(node_type) + 80), 0) FROM steps WHERE run_id = $1) AS step_bytes,
        (SELECT coalesce(sum(length(message) + coalesce(length(data), 0) + 40), 0) FROM logs WHERE run_id = $1) AS logs,
        (SELECT coalesce(sum(coalesce(length(note), 0) + coalesce(length(data), 0) + 60), 0) FROM record_events WHERE run_id = $1) AS events,
        (SELECT coalesce(sum(length(message) + coalesce(length(value), 0) + 40), 0) FROM rejects WHERE run_id = $1) AS rejects`,
      [runId],
    )
  ).rows[0];
  if (r.run === null) return null;
  const n = (v: unknown) => Number(v ?? 0);
  return { records: n(r.records), steps: n(r.steps), bytes: n(r.run) + n(r.record_bytes) + n(r.step_bytes) + n(r.logs) + n(r.events) + n(r.rejects) };
}

export async function reviewCount(db: pg.Pool, runId: string): Promise<number> {
  return (await db.query<{ n: number }>("SELECT count(*) AS n FROM records WHERE run_id = $1 AND status = 'needs_review'", [runId])).rows[0].n;
}

export async function listRunHeads(db: pg.Pool): Promise<RunHead[]> {
  const rows = (await db.query(`SELECT id, flow_id, flow_name, status, record_count, created_at, ended_at, ${UPLOAD} AS upload FROM runs ORDER BY created_at, id`)).rows;
  return rows.map((r) => ({
    id: r.id,
    flowId: r.flow_id,
    flowName: r.flow_name,
    status: r.status,
    recordCount: r.record_count,
    createdAt: r.created_at,
    endedAt: r.ended_at,
    upload: r.upload ?? null,
  }));
}

export async function referencedUploads(db: pg.Pool): Promise<Set<string>> {
  const rows = (await db.query<{ upload: string }>(`SELECT DISTINCT ${UPLOAD} AS upload FROM runs WHERE ${UPLOAD} IS NOT NULL`)).rows;
  return new Set(rows.map((r) => r.upload));
}

/** Which of the kept files' SHA-256s a saved flow or a run's flow copy names (as text: see ../retention.ts). */
export async function namedKeptFiles(db: pg.Pool, sha256s: readonly string[]): Promise<Set<string>> {
  if (sha256s.length === 0) return new Set();
  const { rows } = await db.query<{ sha: string }>(
    `SELECT s.sha FROM unnest($1::text[]) AS s(sha)
      WHERE EXISTS (SELECT 1 FROM flows WHERE strpos(doc, s.sha) > 0) OR EXISTS (SELECT 1 FROM runs WHERE strpos(flow, s.sha) > 0)`,
    [[...sha256s]],
  );
  return new Set(rows.map((r) => r.sha));
}

export async function runsUsingUpload(db: pg.Pool, uploadId: string, exceptRunId: string): Promise<number> {
  return (await db.query<{ n: number }>(`SELECT count(*) AS n FROM runs WHERE id <> $1 AND ${UPLOAD} = $2`, [exceptRunId, uploadId])).rows[0].n;
}
