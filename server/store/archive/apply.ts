/**
 * The archive op ('H') and the restore of an archived run, as the applier runs them (ops.ts). Both are
 * deterministic: live and on replay they read the same database and the same immutable archive.
 *
 * 'H' drops a finished run's rows from the database once its archive is durable, keeping the run row
 * (with the archive's reference and counts), its step counters, the rows of records still in the
 * review queue (needs_review, failed: "hot" records, for the queue and idempotency) and the business
 * keys of the others (archived_keys). It is refused — the same on replay — when the run is not
 * finished, is archived already, or was written to after the archive was read (`touched_seq`).
 *
 * A write to an archived run (a retry, a review action, a late log line) first puts the run's rows back
 * from its archive, inside the same op: see `restoreRun`.
 */
import path from 'node:path';
import { REVIEW_STATUSES, isFinished, type RunStatus } from '../../contract/status.ts';
import { ConveyorError } from '../../errors.ts';
import { dataDirOf } from '../integrity.ts';
import type { Param, Sql } from '../sql.ts';
import { ArchiveDamage } from './frames.ts';
import { ARCHIVES_DIR, type ArchiveRef } from './layout.ts';
import { RunArchive } from './reader.ts';
import { JSON_COLUMNS, rowValues } from './rows-json.ts';

/** archiveRun: run id, the run's touched_seq when its rows were read, the archive reference (JSON). */
export type ArchiveOp = ['H', string, number, string];

/** Records that stay in the database when their run is archived: the review queue reads them. */
const HOT = `(${REVIEW_STATUSES.map((s) => `'${s}'`).join(', ')})`;

const SQL_ARCHIVE_ROWS = [
  `INSERT OR REPLACE INTO archived_keys (run_key, idx, key, status, error_code, in_flight)
    SELECT run_key, idx, key, status, error_code, json_extract(checkpoint, '$.inFlight') IS NOT NULL FROM records
    WHERE run_key = ?1 AND key IS NOT NULL AND status NOT IN ${HOT}`,
  'DELETE FROM steps WHERE run_key = ?1',
  'DELETE FROM spilled_steps WHERE run_key = ?1',
  'DELETE FROM logs WHERE run_key = ?1',
  'DELETE FROM record_events WHERE run_key = ?1',
  'DELETE FROM rejects WHERE run_key = ?1',
  `DELETE FROM record_tokens WHERE run_key = ?1 AND record_idx IN (SELECT idx FROM records WHERE run_key = ?1 AND status NOT IN ${HOT})`,
  `DELETE FROM records WHERE run_key = ?1 AND status NOT IN ${HOT}`,
];

const SQL_RESTORE_CLEAR = ['DELETE FROM record_tokens WHERE run_key = ?1', 'DELETE FROM records WHERE run_key = ?1', 'DELETE FROM archived_keys WHERE run_key = ?1'];
const SQL_RESTORE_RECORD = `INSERT INTO records (run_key, idx, status, data, output, error, reason, checkpoint, started_at, ended_at, source_row, key, error_code)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const SQL_RESTORE_STEP = `INSERT INTO steps (run_key, record_idx, seq, token_id, node_id, node_type, attempt, status, input, input_from, output, error, evidence,
  started_at, ended_at, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const SQL_RESTORE_TOKEN = 'INSERT INTO record_tokens (run_key, record_idx, kind, id, ord, value) VALUES (?, ?, ?, ?, ?, ?)';
const SQL_RESTORE_EVENT = `INSERT INTO record_events (run_key, record_idx, at, from_status, to_status, actor, action, note, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const SQL_RESTORE_LOG = 'INSERT INTO logs (run_key, record_idx, node_id, level, message, data, at) VALUES (?, ?, ?, ?, ?, ?, ?)';
const SQL_RESTORE_REJECT = 'INSERT INTO rejects (run_key, row, field, rule, value, message) VALUES (?, ?, ?, ?, ?, ?)';

export function archiveOp(runId: string, touchedSeq: number, ref: ArchiveRef): ArchiveOp {
  return ['H', runId, touchedSeq, JSON.stringify(ref)];
}

/** The archive reference of a run (null: its rows are in the database). */
export function archiveRefOf(sql: Sql, key: number): ArchiveRef | null {
  const v = sql.one('SELECT archive FROM runs WHERE key = ?', [key])?.[0];
  return typeof v === 'string' ? (JSON.parse(v) as ArchiveRef) : null;
}

/** `touchedInBatch`: the last entry of the batch being applied that wrote to the run (not in the column yet). */
export function applyArchive(sql: Sql, key: number | null, op: ArchiveOp, touchedInBatch?: number): void {
  const runId = op[1];
  if (key === null) throw new ConveyorError('E_RUN_NOT_FOUND', `There is no run ${runId}.`, 'Check the run id, or open the runs list to find it.', 404);
  const row = sql.one('SELECT status, touched_seq, archive FROM runs WHERE key = ?', [key])!;
  if (row[2] !== null) throw new Error(`run ${runId} is archived already`);
  if (!isFinished(row[0] as RunStatus)) throw new Error(`run ${runId} is ${String(row[0])}: only a finished run is archived`);
  if ((touchedInBatch ?? Number(row[1])) !== op[2]) throw new Error(`run ${runId} was written to while its archive was written; it stays as it is`);
  for (const stmt of SQL_ARCHIVE_ROWS) sql.run(stmt, [key]);
  sql.run('UPDATE runs SET archive = ? WHERE key = ?', [op[3], key]);
}

/** E_STORE_DAMAGED for damage found in a run's archive, in the format of integrity.ts. */
export function archiveDamagedError(storeDir: string, runId: string, d: ArchiveDamage): ConveyorError {
  const dataDir = dataDirOf(storeDir);
  return new ConveyorError(
    'E_STORE_DAMAGED',
    `The store is damaged: ${d.file} at byte ${d.offset}: ${d.reason}. It is part of the archive of run ${runId}: what it holds is not served (the rest of the run is), and nothing was changed.`,
    `See the state with "npx conveyor store verify --data-dir ${dataDir}". Then restore a backup ("npx conveyor store restore BACKUP_DIR --data-dir ${dataDir}"): "npx conveyor store repair --data-dir ${dataDir}" cannot keep part of an archive — it moves the whole archive aside (never deleted) and removes run ${runId} from the studio, listing its records and steps as lost.`,
    500,
    { file: d.file, offset: d.offset, reason: d.reason, runId },
  );
}

/** What was refused because a run's step segment could not be read. */
export type StepSegmentUse = 'read' | 'output' | 'archive';

/**
 * E_STORE_DAMAGED for damage in a run's step segments (`runs/<run>.steps/`, archive/spill.ts): the
 * frame there holds the steps of one finished record, written while the run ran — not an archive.
 * `use`: 'read' (the record's steps are refused, the rest is served), 'output' (the record itself: its
 * output is its last step's data there, see spill.ts) or 'archive' (the run keeps its
 * rows in the database). The hint says what repair keeps: every other record's steps.
 */
export function stepSegmentDamagedError(storeDir: string, runId: string, record: number, d: ArchiveDamage, use: StepSegmentUse): ConveyorError {
  const dataDir = dataDirOf(storeDir);
  const where = `The store is damaged: ${d.file} at byte ${d.offset}: ${d.reason}. This step segment of run ${runId} holds the steps of its record ${record}`;
  const outcome =
    use === 'read'
      ? ": they cannot be read and are not served (the record's status, data and output, and the run's other records, read as before); nothing was changed."
      : use === 'output'
        ? ", whose output is its last step's data there: they cannot be read, so the record is not served (the run's other records read as before); nothing was changed."
        : `, which cannot be read, so run ${runId} was not archived: it stays in the store as it was (its records read as before, except these steps), and nothing was changed.`;
  return new ConveyorError(
    'E_STORE_DAMAGED',
    `${where}${outcome}`,
    `See which records' steps are affected with "npx conveyor store verify --data-dir ${dataDir}". Then restore a backup ("npx conveyor store restore BACKUP_DIR --data-dir ${dataDir}"), or stop the studio and run "npx conveyor store repair --data-dir ${dataDir}": it keeps every other record's steps, copies the damaged segment aside (never deleted) and lists the steps lost${use === 'archive' ? '; once repaired, the run can be archived' : ''}.`,
    500,
    { file: d.file, offset: d.offset, reason: d.reason, runId, record },
  );
}

/**
 * Puts an archived run's rows back into the database from its archive (each frame checked), and
 * clears the run's archive reference. Returns the archive's folder name (no longer referenced).
 * Damage in the archive throws E_STORE_DAMAGED and changes nothing (the op's savepoint is rolled back).
 */
export function restoreRun(sql: Sql, storeDir: string, key: number, runId: string, ref: ArchiveRef): string {
  let archive: RunArchive | null = null;
  try {
    archive = RunArchive.open(path.join(storeDir, ARCHIVES_DIR, ref.dir), runId, ref.digest);
    for (const stmt of SQL_RESTORE_CLEAR) sql.run(stmt, [key]);
    for (const f of archive.records()) {
      sql.run(SQL_RESTORE_RECORD, [key, ...rowValues(f.r, JSON_COLUMNS.record)]);
      for (const s of f.s) sql.run(SQL_RESTORE_STEP, [key, ...rowValues(s, JSON_COLUMNS.step)]);
      for (const t of f.t) sql.run(SQL_RESTORE_TOKEN, [key, f.r[0], ...rowValues(t, JSON_COLUMNS.token)]);
    }
    // The run's trail goes back in its original order (the event pages), not record by record.
    for (const e of archive.listRunEvents(undefined, 0, Number.MAX_SAFE_INTEGER).items) {
      sql.run(SQL_RESTORE_EVENT, [key, e.recordIndex, e.at, e.from, e.to, e.actor, e.action, e.note, json(e.data)]);
    }
    for (const l of archive.logRows()) sql.run(SQL_RESTORE_LOG, [key, ...(rowValues(l, JSON_COLUMNS.log) as Param[])]);
    for (const r of archive.rejects()) sql.run(SQL_RESTORE_REJECT, [key, r.row, r.field, r.rule, json(r.value), r.message]);
    sql.run('UPDATE runs SET archive = NULL WHERE key = ?', [key]);
    return ref.dir;
  } catch (err) {
    if (err instanceof ArchiveDamage) throw archiveDamagedError(storeDir, runId, err);
    throw err;
  } finally {
    archive?.close();
  }
}

const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));
