/**
 * Writes a finished run's rows from the database into a run archive (layout.ts), crash-safely:
 * everything goes into `runs/.tmp-<name>/`, each file is fsynced, then the folder, then it is renamed
 * to `runs/<name>` and `runs/` is fsynced. Only after that does the store journal the archive op
 * that drops the rows from memory (sqljs-store.ts): a crash before the op leaves a folder that no run
 * names, removed after the next snapshot.
 *
 * Rows are read a slice of records at a time and the event loop is given back between slices, so a
 * large run is archived without stalling the studio; the archive op is refused if the run was written
 * to meanwhile (see `touched_seq` in ops.ts).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import type { SqlValue } from 'sql.js';
import { emptyCounts, type RecordStatus } from '../../contract/status.ts';
import { fsyncDir } from '../journal.ts';
import type { Sql } from '../sql.ts';
import { EVENT_COLUMNS, LOG_COLUMNS, REJECT_COLUMNS, STEP_COLUMNS } from '../rows.ts';
import { stepSegmentDamagedError } from './apply.ts';
import { ArchiveDamage, DEFAULT_MAX_SEGMENT_BYTES, encodeFrame, SegmentWriter, type FrameRef } from './frames.ts';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_RECORD_COLUMNS,
  ARCHIVES_DIR,
  CHUNK,
  encodeIndex,
  EVENTS,
  INDEX_FILE,
  LOGS,
  MANIFEST_FILE,
  RECORDS,
  REPORT,
  statusCode,
  type ArchiveManifest,
  type ArchiveRef,
} from './layout.ts';
import { JSON_COLUMNS, rowJson } from './rows-json.ts';
import { emittedByStep } from '../output-ref.ts';
import type { StepSpill } from './spill.ts';

/** Records read from the database per slice. */
const SLICE = 1000;

export interface ArchiveWriteOptions {
  maxSegmentBytes?: number;
  /** For crash tests: called at each durable point ('files' written, 'renamed'). */
  onPoint?: (point: 'files' | 'renamed') => void | Promise<void>;
  /** The run's step segments (steps of records finished while it ran), taken into the archive. */
  spill?: StepSpill;
}

/** A unique folder name for a new archive of `runId` (a run may be archived, restored and archived again). */
export function archiveName(runId: string): string {
  const safe = runId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80);
  return `${safe}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}

export async function writeRunArchive(sql: Sql, key: number, runId: string, storeDir: string, opts: ArchiveWriteOptions = {}): Promise<ArchiveRef> {
  const root = path.join(storeDir, ARCHIVES_DIR);
  fs.mkdirSync(root, { recursive: true });
  const name = archiveName(runId);
  const tmp = path.join(root, `.tmp-${name}`);
  fs.mkdirSync(tmp);
  const max = opts.maxSegmentBytes ?? DEFAULT_MAX_SEGMENT_BYTES;
  const recordsOut = new SegmentWriter(tmp, RECORDS, max);
  const logsOut = new SegmentWriter(tmp, LOGS, max);
  const eventsOut = new SegmentWriter(tmp, EVENTS, max);
  const reportOut = new SegmentWriter(tmp, REPORT, max);
  const writers = [recordsOut, logsOut, eventsOut, reportOut];
  try {
    const idx: number[] = [];
    const status: number[] = [];
    const recordRefs: FrameRef[] = [];
    const counts = emptyCounts();
    let steps = 0;
    let lastRecordStart: string | null = null;
    const timings = new Map<string, { nodeId: string; status: 'success' | 'failed'; durations: number[] }>();
    const recordTimings: Array<[number, string, string | null, string | null, string | null, boolean]> = [];

    const last = Number(sql.one('SELECT max(idx) FROM records WHERE run_key = ?', [key])?.[0] ?? -1);
    for (let from = 0; from <= last; from += SLICE) {
      const range = [key, from, from + SLICE];
      const byRecord = (rows: SqlValue[][]): Map<number, SqlValue[][]> => {
        const m = new Map<number, SqlValue[][]>();
        for (const r of rows) {
          const i = r[0] as number;
          let list = m.get(i);
          if (!list) m.set(i, (list = []));
          list.push(r);
        }
        return m;
      };
      const stepRows = byRecord(sql.all(`SELECT ${STEP_COLUMNS} FROM steps WHERE run_key = ?1 AND record_idx >= ?2 AND record_idx < ?3 ORDER BY record_idx, seq`, range));
      const eventRows = byRecord(sql.all(`SELECT ${EVENT_COLUMNS} FROM record_events WHERE run_key = ?1 AND record_idx >= ?2 AND record_idx < ?3 ORDER BY record_idx, id`, range));
      const tokenRows = byRecord(
        sql.all('SELECT record_idx, kind, id, ord, value FROM record_tokens WHERE run_key = ?1 AND record_idx >= ?2 AND record_idx < ?3 ORDER BY record_idx, kind, ord', range),
      );
      for (const row of sql.all(`SELECT ${ARCHIVE_RECORD_COLUMNS}, output_step FROM records WHERE run_key = ?1 AND idx >= ?2 AND idx < ?3 ORDER BY idx`, range)) {
        const r = row.slice(0, -1);
        const i = r[0] as number;
        const hot = stepRows.get(i) ?? [];
        // Steps moved to the run's step segments come first (they are the earlier ones), parsed once.
        const spilled = spilledSteps(opts.spill, storeDir, runId, key, i);
        const s = spilled.length ? [...(spilled as SqlValue[][]), ...hot] : hot;
        // An output kept by reference to its step (output-ref.ts): the archive holds it whole.
        const outputStep = row[row.length - 1] as number;
        if (outputStep) r[3] = JSON.stringify(emittedByStep(s, outputStep));
        const e = eventRows.get(i) ?? [];
        const t = (tokenRows.get(i) ?? []).map((row) => row.slice(1));
        const stepsJson = [...spilled.map((row) => JSON.stringify(row)), ...hot.map((row) => rowJson(row, JSON_COLUMNS.step))].join(',');
        const payload =
          `{"r":${rowJson(r, JSON_COLUMNS.record)},"s":[${stepsJson}]` +
          `,"e":[${e.map((row) => rowJson(row, JSON_COLUMNS.event)).join(',')}],"t":[${t.map((row) => rowJson(row, JSON_COLUMNS.token)).join(',')}]}`;
        recordRefs.push(recordsOut.append(Buffer.from(payload, 'utf8')));
        idx.push(i);
        status.push(statusCode(r[1] as string));
        counts[r[1] as RecordStatus]++;
        steps += s.length;
        const started = r[7] as string | null;
        if (started !== null && (lastRecordStart === null || started > lastRecordStart)) lastRecordStart = started;
        for (const step of s) {
          const st = step[6] === 'success' ? 'success' : 'failed';
          const id = `${st[0]}${step[3] as string}`;
          let g = timings.get(id);
          if (!g) timings.set(id, (g = { nodeId: step[3] as string, status: st, durations: [] }));
          g.durations.push(Number(step[14]));
        }
        recordTimings.push([i, r[1] as string, started, r[8] as string | null, r[11] === null ? null : String(r[11]), e.some((ev) => ev[5] === 'settled')]);
      }
      await tick();
    }

    const logRefs = await chunked(sql, `SELECT id, ${LOG_COLUMNS} FROM logs WHERE run_key = ? AND id > ? ORDER BY id LIMIT ${CHUNK}`, key, JSON_COLUMNS.log, logsOut);
    const eventRefs = await chunked(sql, `SELECT id, ${EVENT_COLUMNS} FROM record_events WHERE run_key = ? AND id > ? ORDER BY id LIMIT ${CHUNK}`, key, JSON_COLUMNS.event, eventsOut);
    const rejects = sql.all(`SELECT ${REJECT_COLUMNS} FROM rejects WHERE run_key = ? ORDER BY row, id`, [key]);
    const sortedTimings = [...timings.values()].sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : a.status < b.status ? 1 : -1));
    const reportRefs = [
      reportOut.append(Buffer.from(JSON.stringify(sortedTimings), 'utf8')),
      reportOut.append(Buffer.from(JSON.stringify(recordTimings), 'utf8')),
      reportOut.append(Buffer.from(`[${rejects.map((r) => rowJson(r, JSON_COLUMNS.reject)).join(',')}]`, 'utf8')),
    ];
    for (const w of writers) w.close();

    const index = encodeFrame(
      encodeIndex({ idx, status, records: recordRefs, logs: logRefs.refs, events: eventRefs.refs, report: reportRefs }),
    );
    writeFileSynced(path.join(tmp, INDEX_FILE), index);
    const files = [...writers.flatMap((w) => w.files), { name: INDEX_FILE, bytes: index.length, sha256: sha256(index) }];
    const manifest: ArchiveManifest = {
      format: ARCHIVE_FORMAT,
      runId,
      records: idx.length,
      steps,
      logs: logRefs.rows,
      events: eventRefs.rows,
      rejects: rejects.length,
      counts,
      lastRecordStart,
      files,
    };
    const manifestFrame = encodeFrame(Buffer.from(JSON.stringify(manifest), 'utf8'));
    writeFileSynced(path.join(tmp, MANIFEST_FILE), manifestFrame);
    await fsyncDir(tmp);
    await opts.onPoint?.('files');
    fs.renameSync(tmp, path.join(root, name));
    await fsyncDir(root);
    await opts.onPoint?.('renamed');
    const bytes = files.reduce((n, f) => n + f.bytes, 0) + manifestFrame.length;
    return { dir: name, digest: sha256(manifestFrame), bytes, records: idx.length, steps, counts };
  } catch (err) {
    for (const w of writers) {
      try {
        w.close();
      } catch {
        // Closing after a failed write: the folder is removed below.
      }
    }
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** A record's steps in the run's step segments; damage refuses the archive with E_STORE_DAMAGED (the run keeps its rows). */
function spilledSteps(spill: StepSpill | undefined, storeDir: string, runId: string, key: number, record: number): unknown[][] {
  try {
    return spill?.stepRows(runId, key, record) ?? [];
  } catch (err) {
    if (err instanceof ArchiveDamage) throw stepSegmentDamagedError(storeDir, runId, record, err, 'archive');
    throw err;
  }
}

/** Rows of a run in id order, CHUNK a frame (the first column, the id, is left out of the frame). */
async function chunked(sql: Sql, query: string, key: number, jsonCols: readonly number[], out: SegmentWriter): Promise<{ refs: FrameRef[]; rows: number }> {
  const refs: FrameRef[] = [];
  let after = -1;
  let rows = 0;
  for (;;) {
    const chunk = sql.all(query, [key, after]);
    if (chunk.length === 0) break;
    after = chunk[chunk.length - 1][0] as number;
    refs.push(out.append(Buffer.from(`[${chunk.map((r) => rowJson(r.slice(1), jsonCols)).join(',')}]`, 'utf8')));
    rows += chunk.length;
    if (chunk.length < CHUNK) break;
    if (refs.length % 64 === 0) await tick();
  }
  return { refs, rows };
}

export function sha256(buf: Uint8Array): string {
  return createHash('sha256').update(buf).digest('hex');
}

function writeFileSynced(file: string, data: Buffer): void {
  const fd = fs.openSync(file, 'wx');
  try {
    let at = 0;
    while (at < data.length) at += fs.writeSync(fd, data, at, data.length - at);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
