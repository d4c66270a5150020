/**
 * The PostgreSQL store's writes, each applied inside the transaction of a write batch
 * (write-queue.ts). Every write is row-level: steps are inserted (a step committed twice is refused by
 * the primary key), counters are incremented in SQL and node state is upserted per key, so writers in
 * several processes never overwrite each other's rows with values read earlier.
 */
import type pg from 'pg';
import type { FlowDocument } from '../../contract/flow/schema.ts';
import type { Json, RecordData } from '../../../nodes/sdk/types.ts';
import type { ConditionalWrite, CreateRunExtras, LogRow, NodeStateWrite, RecordExpectation, RecordStatus, RecordUpdate, RunPatch, RunRow, RunStatus, StepRow } from '../types.ts';
import { ACTIVE_RUN_STATUSES, activeRunError, runInReviewError, auditParams, type AuditWrite } from '../retention.ts';
import { ConveyorError } from '../../errors.ts';

/** Steps to add to one node's counters: success, failed, sent to review (CountedAs). */
export type StepTally = [number, number, number];

/** An upsert's SET adding the new counters to a shard's row (step_counts). */
const ADD_COUNTS =
  'success = step_counts.success + excluded.success, failed = step_counts.failed + excluded.failed, review = step_counts.review + excluded.review';

/** What a write sees: the batch's connection, and the step counters the batch adds at its end. */
export interface WriteContext {
  client: pg.PoolClient;
  /** "<run id>\u0000<node id>" → [success, failed, sent to review] added by this write. */
  counts: Map<string, StepTally>;
}

/**
 * A write, applied in a batch's transaction. `alone`: the same write as one statement with its step
 * counter, for a batch of its own — one statement is its own transaction, so it needs no BEGIN, no
 * separate counter statement and no COMMIT: 1 round trip instead of 4. A worker's commits are mostly
 * alone (a few records under way, each commit waiting on its own), and the round trips were most of
 * its CPU per record (a profile of one worker on the 50 ms HTTP step: 40 % of its busy time in the
 * pg client's query path, 23 % in socket writes). Measured, 3,000 step commits 4 at a time, 3
 * interleaved rounds (load 14-16 on 2 cores): the Conveyor process 751-925 → 662-723 µs CPU per
 * commit, PostgreSQL's backends 553-640 → 440-477 µs.
 */
export type Write<R> = ((ctx: WriteContext) => Promise<R>) & {
  alone?: (client: pg.PoolClient) => Promise<R>;
  /**
   * With `alone`: the row it writes ("<run id>\u0000<record index>"). Writes queued together that
   * can each be one statement, all of different records, go at once on several connections, each its
   * own transaction (write-queue.ts): no BEGIN, no counter statement, no COMMIT.
   */
  row?: string;
};

const json = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));
const finite = (n: number): number => (Number.isFinite(n) ? n : 0);
/** Rows per INSERT when a run's records are written (bounded statement size). */
const RECORD_CHUNK = 5000;

export function noRunError(runId: string): Error {
  return new Error(`there is no run ${JSON.stringify(runId)}`);
}

async function runExists(c: pg.PoolClient, runId: string): Promise<boolean> {
  return ((await c.query('SELECT 1 FROM runs WHERE id = $1', [runId])).rowCount ?? 0) > 0;
}

/** A file chosen in a node form, by the SHA-256 of its bytes (the same bytes again: nothing written). */
export const putKeptFile =
  (sha256: string, bytes: Buffer): Write<void> =>
  async ({ client }) => {
    // Kept already: only its time renewed (retention deletes a file nothing names once not kept for a while).
    await client.query('INSERT INTO kept_files (sha256, bytes) VALUES ($1, $2) ON CONFLICT (sha256) DO UPDATE SET kept_at = now()', [sha256, bytes]);
  };

/** An evidence file of a run's step (its reference names the run). The same reference written again replaces it, as a file would be. */
export const putEvidence =
  (runId: string, ref: string, sha256: string, bytes: Buffer): Write<void> =>
  async ({ client }) => {
    await client.query(
      'INSERT INTO evidence_files (ref, run_id, bytes, sha256) VALUES ($1, $2, $3, $4) ON CONFLICT (ref) DO UPDATE SET bytes = excluded.bytes, sha256 = excluded.sha256, written_at = now()',
      [ref, runId, bytes, sha256],
    );
  };

/** Deletes a kept file (retention: one nothing names any more); whether there was one. */
export const deleteKeptFile =
  (sha256: string): Write<boolean> =>
  async ({ client }) =>
    ((await client.query('DELETE FROM kept_files WHERE sha256 = $1', [sha256])).rowCount ?? 0) > 0;

export const putFlow =
  (doc: FlowDocument, at: string): Write<string> =>
  async ({ client }) => {
    const r = await client.query<{ created_at: string }>(
      `INSERT INTO flows (id, name, doc, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, doc = excluded.doc, updated_at = excluded.updated_at
       RETURNING created_at`,
      [doc.id, doc.name, JSON.stringify(doc), at],
    );
    return r.rows[0].created_at;
  };

export const deleteFlow =
  (id: string): Write<boolean> =>
  async ({ client }) =>
    ((await client.query('DELETE FROM flows WHERE id = $1', [id])).rowCount ?? 0) > 0;

export const createRun =
  (run: RunRow, records: RecordData[], extras: CreateRunExtras = {}): Write<void> =>
  async ({ client }) => {
    await client.query(
      `INSERT INTO runs (id, flow_id, flow_name, flow, status, settings, record_count, reason, created_at, started_at, ended_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [run.id, run.flowId, run.flowName, JSON.stringify(run.flow), run.status, JSON.stringify(run.settings), run.recordCount, json(run.reason), run.createdAt, run.startedAt ?? null, run.endedAt ?? null],
    );
    const settled = new Map((extras.settled ?? []).map((s) => [s.index, s]));
    const row = (i: number) => {
      const r = extras.rows?.[i];
      return typeof r === 'number' && Number.isFinite(r) ? r : null;
    };
    for (let from = 0; from < records.length; from += RECORD_CHUNK) {
      const to = Math.min(records.length, from + RECORD_CHUNK);
      const cols: unknown[][] = [[], [], [], [], [], [], []];
      for (let i = from; i < to; i++) {
        const s = settled.get(i);
        cols[0].push(i);
        cols[1].push(s ? s.status : 'pending');
        cols[2].push(JSON.stringify(records[i] ?? {}));
        cols[3].push(extras.keys?.[i] ?? null);
        cols[4].push(s ? (s.reason ?? '') : null);
        cols[5].push(s ? run.createdAt : null);
        cols[6].push(row(i));
      }
      await client.query(
        `INSERT INTO records (run_id, idx, status, data, key, reason, started_at, ended_at, source_row)
         SELECT $1, i, st, d, k, rs, t, t, sr FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[]) AS u(i, st, d, k, rs, t, sr)`,
        [run.id, ...cols],
      );
    }
    if (settled.size > 0) {
      const list = [...settled.values()].filter((s) => s.index >= 0 && s.index < records.length);
      await client.query(
        `INSERT INTO record_events (run_id, record_idx, at, from_status, to_status, actor, action, note, data)
         SELECT $1, i, $2, NULL, st, 'engine', 'settled', n, NULL FROM unnest($3::int[], $4::text[], $5::text[]) AS u(i, st, n)`,
        [run.id, run.createdAt, list.map((s) => s.index), list.map((s) => s.status), list.map((s) => s.reason ?? '')],
      );
    }
    const rejects = extras.rejects ?? [];
    if (rejects.length > 0) {
      await client.query(
        `INSERT INTO rejects (run_id, row, field, rule, value, message)
         SELECT $1, r, f, ru, v, m FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS u(r, f, ru, v, m, o) ORDER BY o`,
        [run.id, rejects.map((r) => finite(r.row)), rejects.map((r) => r.field ?? null), rejects.map((r) => r.rule), rejects.map((r) => json(r.value)), rejects.map((r) => r.message)],
      );
    }
  };

/** The SET list of a run patch, after the run id ($1). */
function runSets(id: string, p: RunPatch): { sets: string[]; values: unknown[] } {
  const sets: string[] = [];
  const values: unknown[] = [id];
  const set = (col: string, v: unknown) => {
    values.push(v);
    sets.push(`${col} = $${values.length}`);
  };
  if (p.status !== undefined) set('status', p.status);
  if (p.reason !== undefined) set('reason', json(p.reason));
  if (p.startedAt !== undefined) set('started_at', p.startedAt);
  if (p.endedAt !== undefined) set('ended_at', p.endedAt);
  if (p.halts !== undefined) set('halts', JSON.stringify(p.halts));
  return { sets, values };
}

export const updateRun =
  (id: string, p: RunPatch): Write<void> =>
  async ({ client }) => {
    const { sets, values } = runSets(id, p);
    if (sets.length === 0) return;
    await client.query(`UPDATE runs SET ${sets.join(', ')} WHERE id = $1`, values);
  };

/**
 * The patch only while the run's status is one of `from`: one UPDATE, so of two processes writing
 * at once the second waits for the first's commit, finds the status changed, and writes nothing.
 */
export const updateRunIf =
  (id: string, from: readonly RunStatus[], p: RunPatch): Write<ConditionalWrite<RunStatus>> =>
  async ({ client }) => {
    const { sets, values } = runSets(id, p);
    values.push([...from]);
    const r = await client.query(`UPDATE runs SET ${sets.length ? sets.join(', ') : 'status = status'} WHERE id = $1 AND status = ANY($${values.length}::text[])`, values);
    if ((r.rowCount ?? 0) > 0) return { written: true };
    const found = await client.query<{ status: RunStatus }>('SELECT status FROM runs WHERE id = $1', [id]);
    return { written: false, found: found.rows[0]?.status ?? null };
  };

const SQL_INSERT_STEP = `INSERT INTO steps (run_id, record_idx, seq, token_id, node_id, node_type, attempt, status, input, input_from,
  output, error, evidence, started_at, ended_at, duration_ms)`;

const stepValues = (s: StepRow): unknown[] => [s.runId, s.recordIndex, s.seq, s.tokenId, s.nodeId, s.nodeType, s.attempt, s.status, json(s.input), s.inputFrom ?? null, JSON.stringify(s.output ?? []), json(s.error), JSON.stringify(s.evidence ?? []), s.startedAt, s.endedAt, finite(s.durationMs)];

/** Record updates take a few shapes (the fields given): each is prepared once per connection. */
const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) statementNames.set(text, (name = `conveyor_w${statementNames.size}`));
  return name;
}

/** The checkpoint as stored: a record kept as rows (it fanned out) says so in its header. */
function checkpointText(u: RecordUpdate): string | null {
  if (!u.tokenRows || !u.checkpoint) return json(u.checkpoint);
  return JSON.stringify({ ...u.checkpoint, tokenRows: true });
}

/**
 * Updates a record (only the fields given), drops its checkpoint rows when the checkpoint is whole,
 * and writes its audit event, in one statement; only for a record that exists. A missing run is refused.
 */
async function applyRecordUpdate(c: pg.PoolClient, u: RecordUpdate, step?: StepRow, counts?: StepCount[], expect?: RecordExpectation): Promise<boolean> {
  const values: unknown[] = [u.runId, u.index, u.status, checkpointText(u), u.checkpoint?.inFlight != null];
  const sets = ['status = $3', 'checkpoint = $4', 'in_flight = $5'];
  const set = (col: string, v: unknown) => {
    values.push(v);
    sets.push(`${col} = $${values.length}`);
  };
  if (u.output !== undefined) set('output', json(u.output));
  if (u.error !== undefined) {
    set('error', json(u.error));
    set('error_code', u.error?.code === undefined || u.error?.code === null ? null : String(u.error.code));
  }
  if (u.reason !== undefined) set('reason', u.reason);
  if (u.startedAt !== undefined) set('started_at', u.startedAt);
  if (u.endedAt !== undefined) set('ended_at', u.endedAt);
  // A conditional write (updateRecordIf): only the record as it was read, checked in the UPDATE itself.
  let where = '';
  if (expect) {
    values.push([...expect.status]);
    where = ` AND status = ANY($${values.length}::text[])`;
    if (expect.endedAt !== undefined) {
      values.push(expect.endedAt);
      where += ` AND ended_at IS NOT DISTINCT FROM $${values.length}::text`;
    }
  }
  let text = `WITH upd AS (UPDATE records SET ${sets.join(', ')} WHERE run_id = $1 AND idx = $2${where} RETURNING run_id, idx)`;
  // A step goes in the same statement (one round trip per commit): if it is refused, so is the update.
  if (step) {
    const at = values.length + 1;
    values.push(...stepValues(step));
    text += `, ins AS (${SQL_INSERT_STEP} VALUES (${Array.from({ length: 16 }, (_, k) => `$${at + k}`).join(', ')}))`;
  }
  // A whole checkpoint (or none) replaces the rows of a record that had fanned out.
  if (!u.tokenRows) text += `, drop_rows AS (DELETE FROM record_tokens t USING upd WHERE t.run_id = upd.run_id AND t.record_idx = upd.idx)`;
  const e = u.event;
  if (e) {
    const at = values.length + 1;
    values.push(e.at, e.from ?? null, e.to ?? null, e.actor, e.action, e.note ?? null, json(e.data));
    text += `, ev AS (INSERT INTO record_events (run_id, record_idx, at, from_status, to_status, actor, action, note, data)
      SELECT run_id, idx, ${Array.from({ length: 7 }, (_, k) => `$${at + k}`).join(', ')} FROM upd)`;
  }
  // A lone commit's step counters go in the statement too (this connection's shard, as writeCounts adds
  // them; one row per node: a step of the trigger's own is never counted with `entered`).
  if (counts && counts.length > 0) {
    const rows = counts.map(([nodeId, success, failed, review]) => {
      const at = values.length + 1;
      values.push(nodeId, success, failed, review);
      return `($1, $${at}, $${at + 1}, $${at + 2}, $${at + 3}, pg_backend_pid() % 256)`;
    });
    text += `, cnt AS (INSERT INTO step_counts (run_id, node_id, success, failed, review, shard) VALUES ${rows.join(', ')}
      ON CONFLICT (run_id, node_id, shard) DO UPDATE SET ${ADD_COUNTS})`;
  }
  text += ' SELECT count(*)::int AS n FROM upd';
  const r = await c.query<{ n: number }>({ name: statementName(text), text, values });
  if (r.rows[0].n === 0) {
    if (!(await runExists(c, u.runId))) throw noRunError(u.runId);
    return false;
  }
  if (u.tokenRows) {
    const { put, drop } = u.tokenRows;
    if (drop.length > 0) {
      await c.query(
        'DELETE FROM record_tokens t USING unnest($3::text[], $4::int[]) AS d(kind, id) WHERE t.run_id = $1 AND t.record_idx = $2 AND t.kind = d.kind AND t.id = d.id',
        [u.runId, u.index, drop.map((d) => d[0]), drop.map((d) => d[1])],
      );
    }
    if (put.length > 0) {
      const last = new Map(put.map((p) => [`${p[0]}:${p[1]}`, p]));
      const rows = [...last.values()];
      await c.query(
        `INSERT INTO record_tokens (run_id, record_idx, kind, id, ord, value)
         SELECT $1, $2, k, i, o, v FROM unnest($3::text[], $4::int[], $5::int[], $6::text[]) AS p(k, i, o, v)
         ON CONFLICT (run_id, record_idx, kind, id) DO UPDATE SET ord = excluded.ord, value = excluded.value`,
        [u.runId, u.index, rows.map((p) => p[0]), rows.map((p) => p[1]), rows.map((p) => p[2]), rows.map((p) => JSON.stringify(p[3]))],
      );
    }
  }
  return true;
}

/** Node state writes, the last per key winning: upserts, and deletes for `null`. */
async function applyState(c: pg.PoolClient, writes: NodeStateWrite[]): Promise<void> {
  const last = new Map<string, NodeStateWrite>();
  for (const w of writes) last.set(`${w.scope}\u0000${w.nodeId}\u0000${w.key}`, w);
  const put = [...last.values()].filter((w) => w.value !== null && w.value !== undefined);
  const del = [...last.values()].filter((w) => w.value === null || w.value === undefined);
  if (del.length > 0) {
    await c.query('DELETE FROM node_state n USING unnest($1::text[], $2::text[], $3::text[]) AS d(s, i, k) WHERE n.scope = d.s AND n.node_id = d.i AND n.key = d.k', [
      del.map((w) => w.scope),
      del.map((w) => w.nodeId),
      del.map((w) => w.key),
    ]);
  }
  if (put.length > 0) {
    await c.query(
      `INSERT INTO node_state (scope, node_id, key, value) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
       ON CONFLICT (scope, node_id, key) DO UPDATE SET value = excluded.value`,
      [put.map((w) => w.scope), put.map((w) => w.nodeId), put.map((w) => w.key), put.map((w) => JSON.stringify(w.value))],
    );
  }
}


export function commitStep(s: StepRow, record: RecordUpdate, state?: NodeStateWrite[]): Write<void> {
  // The step's own count, and the trigger's of a record that entered past it (RecordUpdate.entered).
  const counts: StepCount[] = [];
  if (s.status === 'success') counts.push([s.nodeId, 1, 0, 0]);
  else if (s.status === 'failed') counts.push(record.sentToReview ? [s.nodeId, 0, 0, 1] : [s.nodeId, 0, 1, 0]);
  if (record.entered !== undefined && record.entered !== s.nodeId) counts.push([record.entered, 1, 0, 0]);
  const write: Write<void> = async (ctx) => {
    await stepUpdate(ctx.client, s, record);
    if (state && state.length > 0) await applyState(ctx.client, state);
    for (const [nodeId, success, failed, review] of counts) {
      const id = `${s.runId}\u0000${nodeId}`;
      let c = ctx.counts.get(id);
      if (!c) ctx.counts.set(id, (c = [0, 0, 0]));
      c[0] += success;
      c[1] += failed;
      c[2] += review;
    }
  };
  // One statement when the commit is the step and its record only (no node state, no checkpoint rows).
  if ((!state || state.length === 0) && !record.tokenRows) {
    write.alone = (client) => stepUpdate(client, s, record, counts);
    write.row = `${record.runId}\u0000${record.index}`;
  }
  return write;
}

/** A step counter to add: node id, successes, failures. */
/** A node's step counters to add: [node id, success, failed, review]. */
type StepCount = [string, ...StepTally];

async function stepUpdate(client: pg.PoolClient, s: StepRow, record: RecordUpdate, counts?: StepCount[]): Promise<void> {
  try {
    await applyRecordUpdate(client, record, s, counts);
  } catch (err) {
    // The run's row is missing (never created, or deleted before this step): say so plainly.
    if ((err as { code?: string }).code === '23503') throw noRunError(s.runId);
    throw err;
  }
}

export function updateRecord(u: RecordUpdate): Write<void> {
  const write: Write<void> = async ({ client }) => void (await applyRecordUpdate(client, u));
  // One statement unless it writes checkpoint rows (an unsafe step's in-flight mark is one).
  if (!u.tokenRows) {
    write.alone = async (client) => void (await applyRecordUpdate(client, u));
    write.row = `${u.runId}\u0000${u.index}`;
  }
  return write;
}

/** updateRecord only while the record is as `expect` says (one UPDATE: see updateRunIf); else the status found. */
export const updateRecordIf =
  (u: RecordUpdate, expect: RecordExpectation): Write<ConditionalWrite<RecordStatus>> =>
  async ({ client }) => {
    if (await applyRecordUpdate(client, u, undefined, undefined, expect)) return { written: true };
    const found = await client.query<{ status: RecordStatus }>('SELECT status FROM records WHERE run_id = $1 AND idx = $2', [u.runId, u.index]);
    return { written: false, found: found.rows[0]?.status ?? null };
  };

export const putNodeState =
  (writes: NodeStateWrite[]): Write<void> =>
  async ({ client }) =>
    applyState(client, writes);

export const claimNodeState =
  (scope: string, nodeId: string, key: string, value: Json): Write<Json> =>
  async ({ client }) => {
    // Two statements: a claim that waited on another transaction's insert of the same key (and found
    // it) reads the row in a statement of its own, whose snapshot holds that commit.
    await client.query('INSERT INTO node_state (scope, node_id, key, value) VALUES ($1, $2, $3, $4) ON CONFLICT (scope, node_id, key) DO NOTHING', [scope, nodeId, key, JSON.stringify(value)]);
    const r = await client.query<{ value: string }>('SELECT value FROM node_state WHERE scope = $1 AND node_id = $2 AND key = $3', [scope, nodeId, key]);
    return JSON.parse(r.rows[0].value) as Json;
  };

export const clearNodeState =
  (scope: string, nodeId: string): Write<void> =>
  async ({ client }) => {
    await client.query('DELETE FROM node_state WHERE scope = $1 AND node_id = $2', [scope, nodeId]);
  };

/**
 * Appends log lines in one statement (so a flush of the log buffer is one round trip when it commits
 * alone, or beside step commits); a line of a run that does not exist is refused by the foreign key.
 */
export function appendLogs(rows: LogRow[]): Write<void> {
  const write: Write<void> = async ({ client }) => insertLogs(client, rows);
  write.alone = (client) => insertLogs(client, rows);
  // At most one log write goes beside others at once: lines keep the order they were written in.
  write.row = 'logs';
  return write;
}

async function insertLogs(c: pg.PoolClient, rows: LogRow[]): Promise<void> {
  try {
    await c.query(
      `INSERT INTO logs (run_id, record_idx, node_id, level, message, data, at)
       SELECT a, b, c, d, e, f, g FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS u(a, b, c, d, e, f, g, o) ORDER BY o`,
      [rows.map((r) => r.runId), rows.map((r) => r.recordIndex ?? null), rows.map((r) => r.nodeId ?? null), rows.map((r) => r.level), rows.map((r) => r.message), rows.map((r) => json(r.data)), rows.map((r) => r.at)],
    );
  } catch (err) {
    const e = err as { code?: string; detail?: string };
    if (e.code !== '23503') throw err;
    // Key (run_id)=(…) is not present in table "runs".
    const missing = /\(run_id\)=\((.*)\) is not present/.exec(e.detail ?? '')?.[1] ?? rows[0]?.runId ?? '';
    throw noRunError(missing);
  }
}

/**
 * Adds the batch's step counters, in key order, to this connection's shard of each counter
 * (migration 6): two transactions open at once are on two connections, so they never wait for each
 * other's counter rows — before, every commit of a run queued on its one row per node, held until
 * the holder's process got a core to send COMMIT. Reads sum the shards (pg-store.ts stepCounts).
 * Modulo 256 bounds the rows per run and node; two connections whose pids share a remainder only
 * share a row, as all did before.
 */
export async function writeCounts(c: pg.PoolClient, counts: Map<string, StepTally>): Promise<void> {
  if (counts.size === 0) return;
  const keys = [...counts.keys()].sort();
  const column = (i: number) => keys.map((k) => counts.get(k)![i]);
  await c.query(
    `INSERT INTO step_counts (run_id, node_id, success, failed, review, shard)
     SELECT r, n, s, f, v, pg_backend_pid() % 256 FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[]) AS u(r, n, s, f, v)
     ON CONFLICT (run_id, node_id, shard) DO UPDATE SET ${ADD_COUNTS}`,
    [keys.map((k) => k.split('\u0000')[0]), keys.map((k) => k.split('\u0000')[1]), column(0), column(1), column(2)],
  );
}

/**
 * Deletes a run and everything of it (its rows follow by cascade, its node state by scope) with its
 * audit row. Refused for an active run, and without force for a run with records in review.
 */
export const deleteRun =
  (runId: string, force: boolean, audit: AuditWrite): Write<{ records: number }> =>
  async ({ client }) => {
    const run = await client.query<{ status: string }>('SELECT status FROM runs WHERE id = $1 FOR UPDATE', [runId]);
    if (run.rowCount === 0) throw new ConveyorError('E_RUN_NOT_FOUND', `There is no run ${runId}.`, 'Check the run id, or open the runs list to find it.', 404);
    const status = run.rows[0].status;
    if ((ACTIVE_RUN_STATUSES as readonly string[]).includes(status)) throw activeRunError(runId, status);
    const counts = (
      await client.query<{ n: number; review: number }>("SELECT count(*)::int AS n, (count(*) FILTER (WHERE status = 'needs_review'))::int AS review FROM records WHERE run_id = $1", [runId])
    ).rows[0];
    if (!force && counts.review > 0) throw runInReviewError(runId, counts.review);
    await client.query('DELETE FROM runs WHERE id = $1', [runId]);
    await client.query('DELETE FROM node_state WHERE scope = $1', [`run:${runId}`]);
    await client.query('DELETE FROM evidence_files WHERE run_id = $1', [runId]);
    await insertAudit(client, audit);
    return { records: counts.n };
  };

export const appendAudit =
  (audit: AuditWrite): Write<void> =>
  async ({ client }) =>
    insertAudit(client, audit);

async function insertAudit(c: pg.PoolClient, audit: AuditWrite): Promise<void> {
  await c.query('INSERT INTO audit (at, actor, action, run_id, flow_id, flow_name, records, bytes, detail) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)', auditParams(audit));
}
