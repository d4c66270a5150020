/**
 * `conveyor store copy --from DATA_DIR --to postgres://…`: moves what the embedded store of a data
 * folder holds — flows, schedules (their switch and last tick are node state), node state, runs with
 * their records, checkpoints, steps, counters, logs, rejects, audit trails, and retention's audit —
 * the files chosen in node forms (DATA_DIR/kept-files), the runs' evidence and the uploads (every byte
 * checked: `copyDataFiles`) into a PostgreSQL store in one transaction: a copy that fails leaves the target as it was. It reads
 * through the embedded store's own reads (so steps in a run's step segments and archived runs come
 * along), node state from its tables (no read lists every scope). A target that holds anything is refused unless `replace` empties it first. The source is
 * only read (its data folder is locked meanwhile, so the studio must be stopped).
 * Credentials go into the target's vault row as vault.json holds them — each secret still an
 * AES-256-GCM box, never decrypted here — with their key's fingerprint; the key stays with the
 * operator, who gives it to every studio and worker (CONVEYOR_SECRET_KEY).
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { openSqlJsStore } from '../sqljs-store.ts';
import { KeptFilesOnDisk } from '../kept-files.ts';
import { planIdempotency } from '../../engine/idempotency.ts';
import type { RunRow, Store } from '../types.ts';
import { lockDataDir } from '../../data-dir-lock.ts';
import { ConveyorError } from '../../errors.ts';
import { openEmbeddedSource, type EmbeddedSource } from './embedded-source.ts';
import { openPgStore } from './pg-store.ts';
import { insertUpload } from './shared-uploads.ts';
import { checkDataFiles, dataFileWord, uploadName } from '../data-files.ts';
import { sumOfFile } from '../file-sums.ts';
import { parseVaultDoc } from '../../vault/vault.ts';
import { VAULT_CHANNEL } from '../../vault/pg-vault.ts';
import { storeDirOf } from '../store-dir.ts';

export interface CopyCounts {
  flows: number;
  schedules: number;
  runs: number;
  records: number;
  steps: number;
  logs: number;
  events: number;
  rejects: number;
  nodeState: number;
  audit: number;
  /** Evidence files and uploads of the data folder, copied into the database (every studio and worker reads them there). */
  evidence: number;
  uploads: number;
}

export interface CopyResult {
  counts: CopyCounts;
  /** Credentials moved from DATA_DIR/vault.json into the target's vault, still encrypted (see `lines`). */
  credentials: number;
  /** What to tell the operator. */
  lines: string[];
}

/** The store's tables in PostgreSQL, children first where it matters for TRUNCATE. */
const TABLES = ['record_tokens', 'steps', 'step_counts', 'logs', 'rejects', 'record_events', 'records', 'runs', 'flows', 'node_state', 'audit', 'vault', 'schedule_ticks', 'kept_files', 'evidence_files', 'upload_chunks', 'uploads'];
/** Records (and their steps) read and written per slice: bounded memory for runs of any size. */
const SLICE = 2000;
/** Rows per INSERT. */
const CHUNK = 5000;

type Col = [name: string, type: string];

/** Inserts rows (one array per row, in `cols` order) in chunks, keeping their order (ids follow it). */
async function insert(c: pg.Client, table: string, cols: Col[], rows: unknown[][], runId?: string): Promise<void> {
  for (let from = 0; from < rows.length; from += CHUNK) {
    const chunk = rows.slice(from, from + CHUNK);
    const offset = runId === undefined ? 1 : 2;
    const arrays = cols.map((_, i) => chunk.map((r) => r[i] ?? null));
    const names = cols.map(([n]) => n);
    const unnest = cols.map(([, t], i) => `$${i + offset}::${t}[]`).join(', ');
    const alias = cols.map((_, i) => `c${i}`);
    await c.query(
      `INSERT INTO ${table} (${runId === undefined ? '' : 'run_id, '}${names.join(', ')})
       SELECT ${runId === undefined ? '' : '$1, '}${alias.join(', ')} FROM unnest(${unnest}) WITH ORDINALITY AS u(${alias.join(', ')}, o) ORDER BY o`,
      runId === undefined ? arrays : [runId, ...arrays],
    );
  }
}

const RECORD_COLS: Col[] = [['idx', 'int'], ['status', 'text'], ['data', 'text'], ['output', 'text'], ['error', 'text'], ['reason', 'text'], ['checkpoint', 'text'], ['started_at', 'text'], ['ended_at', 'text'], ['key', 'text'], ['error_code', 'text'], ['source_row', 'int'], ['in_flight', 'boolean']];
const STEP_COLS: Col[] = [['record_idx', 'int'], ['seq', 'int'], ['token_id', 'int'], ['node_id', 'text'], ['node_type', 'text'], ['attempt', 'int'], ['status', 'text'], ['input', 'text'], ['input_from', 'int'], ['output', 'text'], ['error', 'text'], ['evidence', 'text'], ['started_at', 'text'], ['ended_at', 'text'], ['duration_ms', 'float8']];
const LOG_COLS: Col[] = [['record_idx', 'int'], ['node_id', 'text'], ['level', 'text'], ['message', 'text'], ['data', 'text'], ['at', 'text']];
const REJECT_COLS: Col[] = [['row', 'int'], ['field', 'text'], ['rule', 'text'], ['value', 'text'], ['message', 'text']];
const EVENT_COLS: Col[] = [['record_idx', 'int'], ['at', 'text'], ['from_status', 'text'], ['to_status', 'text'], ['actor', 'text'], ['action', 'text'], ['note', 'text'], ['data', 'text']];
const COUNT_COLS: Col[] = [['node_id', 'text'], ['success', 'bigint'], ['failed', 'bigint'], ['review', 'bigint']];
const RUN_COLS: Col[] = [['id', 'text'], ['flow_id', 'text'], ['flow_name', 'text'], ['flow', 'text'], ['status', 'text'], ['settings', 'text'], ['record_count', 'int'], ['reason', 'text'], ['created_at', 'text'], ['started_at', 'text'], ['ended_at', 'text'], ['halts', 'text']];
const FLOW_COLS: Col[] = [['id', 'text'], ['name', 'text'], ['doc', 'text'], ['created_at', 'text'], ['updated_at', 'text']];
const STATE_COLS: Col[] = [['scope', 'text'], ['node_id', 'text'], ['key', 'text'], ['value', 'text']];
const AUDIT_COLS: Col[] = [['at', 'text'], ['actor', 'text'], ['action', 'text'], ['run_id', 'text'], ['flow_id', 'text'], ['flow_name', 'text'], ['records', 'int'], ['bytes', 'bigint'], ['detail', 'text']];

const names = (cols: Col[]) => cols.map(([n]) => n).join(', ');
const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));

/** Every item of a paged read. */
async function all<T>(read: (offset: number, limit: number) => Promise<{ items: T[]; total: number }>): Promise<T[]> {
  const out: T[] = [];
  for (;;) {
    const page = await read(out.length, SLICE);
    out.push(...page.items);
    if (page.items.length === 0 || out.length >= page.total) return out;
  }
}

/**
 * One run and everything of it, read through the store's own reads (records and steps wherever the
 * embedded store keeps them: its tables, a running run's step segments, an archived run's archive).
 * The business keys are derived again from the records, by the function a run uses.
 */
async function copyRun(src: Store, c: pg.Client, run: RunRow, counts: CopyCounts): Promise<void> {
  await insert(c, 'runs', RUN_COLS, [[run.id, run.flowId, run.flowName, JSON.stringify(run.flow), run.status, JSON.stringify(run.settings), run.recordCount, json(run.reason), run.createdAt, run.startedAt, run.endedAt, run.halts ? JSON.stringify(run.halts) : null]]);
  for (let offset = 0; ; offset += SLICE) {
    const page = await src.listRecords(run.id, { offset, limit: SLICE });
    if (page.items.length === 0) break;
    const { keys } = await planIdempotency(src, run.flowId, run.id, page.items.map((r) => r.data), run.settings.businessKey, true);
    await insert(
      c,
      'records',
      RECORD_COLS,
      page.items.map((r, i) => [r.index, r.status, JSON.stringify(r.data), json(r.output), json(r.error), r.reason, json(r.checkpoint), r.startedAt, r.endedAt, keys?.[i] ?? null, r.error?.code ?? null, r.sourceRow ?? null, r.checkpoint?.inFlight != null]),
      run.id,
    );
    counts.records += page.items.length;
    const steps: unknown[][] = [];
    for (const r of page.items) {
      for (const s of await src.listSteps(run.id, r.index)) {
        steps.push([s.recordIndex, s.seq, s.tokenId, s.nodeId, s.nodeType, s.attempt, s.status, json(s.input), s.inputFrom, JSON.stringify(s.output), json(s.error), JSON.stringify(s.evidence), s.startedAt, s.endedAt, s.durationMs]);
      }
    }
    await insert(c, 'steps', STEP_COLS, steps, run.id);
    counts.steps += steps.length;
    if (offset + page.items.length >= page.total) break;
  }
  await insert(c, 'step_counts', COUNT_COLS, Object.entries(await src.stepCounts(run.id)).map(([node, n]) => [node, n.success, n.failed, n.review]), run.id);
  const logs = await all((offset, limit) => src.listLogs(run.id, { offset, limit }));
  await insert(c, 'logs', LOG_COLS, logs.map((l) => [l.recordIndex, l.nodeId, l.level, l.message, json(l.data), l.at]), run.id);
  const rejects = await src.listRejects(run.id);
  await insert(c, 'rejects', REJECT_COLS, rejects.map((r) => [r.row, r.field, r.rule, json(r.value), r.message]), run.id);
  const events = await all((offset, limit) => src.listRunEvents(run.id, { offset, limit }));
  await insert(c, 'record_events', EVENT_COLS, events.map((e) => [e.recordIndex, e.at, e.from, e.to, e.actor, e.action, e.note, json(e.data)]), run.id);
  counts.logs += logs.length;
  counts.rejects += rejects.length;
  counts.events += events.length;
}

/**
 * The data folder's evidence (of the runs copied) and uploads into the database, where a studio on
 * PostgreSQL reads them first — so that every studio and worker serves them, not only the one with
 * this folder. Every byte is checked against its record first: a damaged file, or one its record says
 * was written and is gone, refuses the copy (the database would pass it off as whole, or lose it
 * without a word); `store repair` moves those aside and records their loss, after which the copy
 * leaves them out. Files written before checksums are copied as they are.
 */
async function copyDataFiles(dir: string, c: pg.Client, runs: Set<string>, counts: CopyCounts): Promise<void> {
  for (const check of await checkDataFiles(dir)) {
    if (check.kind === 'kept-file') continue; // copied above, by their name
    if (check.kind === 'evidence' && !runs.has(check.ref.split('/')[0])) continue; // a deleted run's leftover folder
    const s = check.state;
    if (s.state === 'lost') continue;
    if (s.state === 'damaged' || s.state === 'missing') {
      throw new ConveyorError(
        'E_STORE_COPY_DAMAGED',
        `The ${dataFileWord(check.kind)} ${check.ref} in ${dir} is ${s.state}: ${s.reason}. Copied, every studio would serve it as if whole (or not know it was lost); nothing was copied.`,
        `Run \`npx conveyor store repair --data-dir ${dir}\` (it moves damaged files aside and records what was lost), then copy again.`,
        422,
      );
    }
    const sha256 = s.state === 'ok' ? s.sum.sha256 : (await sumOfFile(check.file)).sha256;
    if (check.kind === 'evidence') {
      await c.query('INSERT INTO evidence_files (ref, run_id, bytes, sha256) VALUES ($1, $2, $3, $4)', [check.ref, check.ref.split('/')[0], await readFile(check.file), sha256]);
      counts.evidence++;
    } else {
      // Its size as the check counted it (every byte was read there).
      const size = s.state === 'ok' ? s.sum.bytes : s.bytes;
      await insertUpload(c, { id: check.ref, name: await uploadName(check.file, check.ref), size, sha256 }, check.file);
      counts.uploads++;
    }
  }
}

/** Rows already in the target, per table that decides whether it is empty. */
async function targetRows(c: pg.Client): Promise<Record<string, number>> {
  const r = (await c.query(`SELECT (SELECT count(*) FROM flows) AS flows, (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM node_state) AS node_state, (SELECT count(*) FROM audit) AS audit,
    (SELECT coalesce(sum(jsonb_array_length(doc::jsonb->'credentials')), 0) FROM vault WHERE doc <> '') AS credentials`)).rows[0];
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number(v)]));
}

/** The source's vault.json as it is (checked, never decrypted), or null when it holds no credential. */
function sourceVault(dataDir: string): { text: string; keyId: string | null; count: number } | null {
  const file = path.join(dataDir, 'vault.json');
  if (!existsSync(file)) return null;
  const text = readFileSync(file, 'utf8');
  const doc = parseVaultDoc(text, `file ${file}`);
  return doc.credentials.length ? { text, keyId: doc.keyId, count: doc.credentials.length } : null;
}

/** Writes the vault document into the target's vault row (the copy's transaction); the studios on it read it again. */
async function copyVault(c: pg.Client, vault: { text: string; keyId: string | null }): Promise<void> {
  await c.query(
    `INSERT INTO vault (id, key_id, doc, version) VALUES (1, $1, $2, 1)
     ON CONFLICT (id) DO UPDATE SET key_id = excluded.key_id, doc = excluded.doc, version = vault.version + 1`,
    [vault.keyId, vault.text],
  );
  await c.query('SELECT pg_notify($1, $2)', [VAULT_CHANNEL, 'copy']);
}

export async function copyEmbeddedToPg(dataDir: string, url: string, opts: { replace?: boolean } = {}): Promise<CopyResult> {
  const dir = path.resolve(dataDir);
  const unlock = lockDataDir(dir);
  // The target's migrations run, and a studio working on it refuses the copy (E_STORE_IN_USE).
  const target = await openPgStore(url, { exclusive: true, poolSize: 2 }).catch((err: unknown) => {
    unlock();
    throw err;
  });
  let state: EmbeddedSource | null = null;
  let src: Store | null = null;
  const client = new pg.Client({ connectionString: url });
  let connected = false;
  try {
    // Node state has no read that lists every scope: it comes from the tables; the rest through the store's reads.
    // A damaged vault.json stops the copy before anything is written.
    const vault = sourceVault(dir);
    state = await openEmbeddedSource(dir);
    src = await openSqlJsStore(storeDirOf(dir), { onWarning: () => undefined });
    await client.connect();
    connected = true;
    await client.query('BEGIN');
    const before = await targetRows(client);
    const held = Object.entries(before).filter(([, n]) => n > 0);
    if (held.length > 0 && !opts.replace) {
      throw new ConveyorError(
        'E_STORE_COPY_TARGET',
        `The PostgreSQL store ${target.where} is not empty (${held.map(([t, n]) => `${n} ${t.replace('_', ' ')}`).join(', ')}): the copy would mix two stores.`,
        'Copy into an empty database, or add --replace to delete what the target holds first (it cannot be undone: back the database up with pg_dump before).',
        409,
      );
    }
    if (held.length > 0) await client.query(`TRUNCATE ${TABLES.join(', ')} RESTART IDENTITY CASCADE`);
    const counts: CopyCounts = { flows: 0, schedules: 0, runs: 0, records: 0, steps: 0, logs: 0, events: 0, rejects: 0, nodeState: 0, audit: 0, evidence: 0, uploads: 0 };
    const flows = await src.listFlows();
    await insert(client, 'flows', FLOW_COLS, flows.map((f) => [f.id, f.name, JSON.stringify(f.doc), f.createdAt, f.updatedAt]));
    counts.flows = flows.length;
    // Files chosen in node forms (DATA_DIR/kept-files): each checked against its name, its SHA-256.
    const kept = new KeptFilesOnDisk(dir);
    for (const { sha256 } of await kept.list()) {
      const bytes = await kept.read(sha256);
      if (bytes) await client.query('INSERT INTO kept_files (sha256, bytes) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING', [sha256, bytes]);
    }
    // Runs in creation order: the newest stays newest for business keys.
    const copied = new Set<string>();
    for (const head of await src.listRunHeads()) {
      const run = await src.getRun(head.id);
      if (!run) continue;
      await copyRun(src, client, run, counts);
      copied.add(run.id);
      counts.runs++;
    }
    await copyDataFiles(dir, client, copied, counts);
    const nodeState = state.rows(`SELECT ${names(STATE_COLS)} FROM node_state ORDER BY scope, node_id, key`);
    await insert(client, 'node_state', STATE_COLS, nodeState);
    counts.nodeState = nodeState.length;
    counts.schedules = new Set(nodeState.map((s) => String(s[0])).filter((s) => s.startsWith('schedule:'))).size;
    // Oldest first, so the ids keep their order.
    const store = src;
    const audit = (await all((offset, limit) => store.listAudit({ offset, limit }))).reverse();
    await insert(client, 'audit', AUDIT_COLS, audit.map((a) => [a.at, a.actor, a.action, a.runId, a.flowId, a.flowName, a.records, a.bytes, json(a.detail)]));
    counts.audit = audit.length;
    if (vault) await copyVault(client, vault);
    await client.query('COMMIT');
    const credentials = vault?.count ?? 0;
    return { counts, credentials, lines: report(dir, target.where, counts, credentials, held.length > 0) };
  } catch (err) {
    if (connected) await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    state?.close();
    await src?.close().catch(() => undefined);
    // end() on a client that never connected would wait forever.
    if (connected) await client.end().catch(() => undefined);
    await target.close();
    unlock();
  }
}

function report(dir: string, where: string, c: CopyCounts, credentials: number, replaced: boolean): string[] {
  const n = (v: number, what: string) => `${v} ${what}${v === 1 ? '' : 's'}`;
  return [
    `Copied the embedded store of ${dir} into the PostgreSQL store ${where}${replaced ? ' (what it held before was deleted: --replace)' : ''}:`,
    `  ${n(c.flows, 'flow')} (${n(c.schedules, 'schedule')} with their switch and last tick), ${n(c.nodeState, 'node state entry')}`,
    `  ${n(c.runs, 'run')}: ${n(c.records, 'record')}, ${n(c.steps, 'step')}, ${n(c.events, 'audit event')}, ${n(c.logs, 'log line')}, ${n(c.rejects, 'rejected row')}`,
    `  ${n(c.audit, 'retention audit entry')}`,
    `  ${n(c.evidence, 'evidence file')} and ${n(c.uploads, 'uploaded file')} of the data folder (now served from the database by every studio and worker)`,
    credentials > 0
      ? `Credentials: ${n(credentials, 'credential')} moved into the PostgreSQL store's vault, still encrypted with the vault key of ${dir}. Give every studio and worker on it that key: CONVEYOR_SECRET_KEY (the value you set, or the content of ${path.join(dir, 'secret.key')}); without it they refuse to start (E_VAULT_KEY_MISSING, E_VAULT_KEY_WRONG).`
      : 'Credentials: none to move (the vault is empty).',
    `Start the studio on it with CONVEYOR_STORE=postgres and DATABASE_URL set to the same database. The embedded store in ${storeDirOf(dir)} is unchanged.`,
  ];
}
