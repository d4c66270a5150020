import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { NodeError } from '../../../server/contract/node-error.ts';
import type { ReadSheetParams } from '../read-sheet.ts';
import { limitExceeded, type SheetLimits } from './limits.ts';
import type { SheetRecords } from './sheet-mapping.ts';
import { aborted } from './sheet-file.ts';

/**
 * Spreadsheet reads run off the studio's thread: each read is one worker thread with a bounded
 * heap, so parsing never blocks the server and a file that would fill the memory ends its worker
 * (E_SHEET_TOO_LARGE, limit memory), not the studio. At most CONVEYOR_SHEET_READS reads run at
 * once (default 2); the next ones wait in line, and past MAX_WAITING waiting a read is refused
 * with E_SHEET_BUSY — never are several large files parsed into the heap limit together.
 */

// In the compiled build (scripts/build-server.mjs) the worker is sheet-read-worker.js beside this code; from the sources, the tsx entry.
const BUNDLED_ENTRY = new URL('./sheet-read-worker.js', import.meta.url);
const ENTRY = existsSync(BUNDLED_ENTRY) ? BUNDLED_ENTRY : new URL('./read-worker-entry.mjs', import.meta.url);
/** Reads waiting for a free slot beyond which a new read is refused (E_SHEET_BUSY). */
export const MAX_WAITING = 16;

export interface SheetReadJob {
  params: ReadSheetParams;
  file: { path: string; name: string };
  limits: SheetLimits;
}

export type SheetReadReply =
  | { ok: true; result: SheetRecords }
  | { ok: false; error: { code: string; message: string; hint: string; transient: boolean } };

let running = 0;
const waiting: Array<{ go: () => void }> = [];
const counters = { reads: 0, started: 0, finished: 0, refused: 0, maxRunning: 0, memoryKills: 0, timeouts: 0 };

/** Reads allowed at once (CONVEYOR_SHEET_READS, default 2). */
export function maxConcurrentReads(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.CONVEYOR_SHEET_READS);
  return Number.isInteger(n) && n > 0 ? n : 2;
}

/** For tests and health: reads running, waiting, and what happened so far. */
export function sheetReadStats(): { running: number; waiting: number } & typeof counters {
  return { running, waiting: waiting.length, ...counters };
}

/** Reads the file in a worker thread once a slot is free; rejects with a NodeError (or E_ABORTED when `signal` aborts). */
export async function readInWorker(job: SheetReadJob, signal?: AbortSignal): Promise<SheetRecords> {
  await acquire(job.file.name, signal);
  counters.reads++;
  try {
    return await runWorker(job, signal);
  } finally {
    release();
  }
}

async function acquire(shown: string, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) throw aborted();
  if (running < maxConcurrentReads()) {
    running++;
    counters.maxRunning = Math.max(counters.maxRunning, running);
    return;
  }
  if (waiting.length >= MAX_WAITING) {
    counters.refused++;
    throw new NodeError(
      'E_SHEET_BUSY',
      `"${shown}" was not read: ${running} spreadsheets are being read and ${waiting.length} more are waiting.`,
      'Try again in a minute, when the other dry checks and runs have read their files. An admin can allow more reads at once with CONVEYOR_SHEET_READS (each needs its own memory).',
      { transient: true },
    );
  }
  await new Promise<void>((resolve, reject) => {
    const slot = {
      go: () => {
        signal?.removeEventListener('abort', onAbort);
        counters.maxRunning = Math.max(counters.maxRunning, running);
        resolve();
      },
    };
    const onAbort = () => {
      const i = waiting.indexOf(slot);
      if (i >= 0) waiting.splice(i, 1);
      reject(aborted());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    waiting.push(slot);
  });
}

/** Hands the slot to the next read in line (the running count stays), or frees it. */
function release(): void {
  const next = waiting.shift();
  if (next) next.go();
  else running--;
}

/** Idle readers, kept a while for the next read (starting one costs a few hundred ms). */
const idle: Array<{ worker: Worker; memoryMb: number; timer: NodeJS.Timeout; drop: () => void }> = [];
const ignore = () => undefined;
const IDLE_MS = 30_000;
let nextId = 1;

function takeWorker(memoryMb: number): Worker {
  const i = idle.findIndex((w) => w.memoryMb === memoryMb);
  if (i >= 0) {
    const [found] = idle.splice(i, 1);
    clearTimeout(found.timer);
    found.worker.off('exit', found.drop).off('error', ignore);
    found.worker.ref();
    return found.worker;
  }
  counters.started++;
  return new Worker(ENTRY, {
    name: 'conveyor-sheet-read',
    // Not the server's flags (--watch, --import tsx…): read-worker-entry.mjs loads what it needs.
    execArgv: [],
    resourceLimits: { maxOldGenerationSizeMb: memoryMb },
  });
}

function keepIdle(worker: Worker, memoryMb: number): void {
  worker.unref();
  const drop = () => {
    const i = idle.indexOf(entry);
    if (i >= 0) idle.splice(i, 1);
    void worker.terminate();
  };
  const entry = { worker, memoryMb, timer: setTimeout(drop, IDLE_MS), drop };
  entry.timer.unref();
  worker.on('error', ignore).once('exit', drop);
  idle.push(entry);
}

function runWorker(job: SheetReadJob, signal?: AbortSignal): Promise<SheetRecords> {
  return new Promise<SheetRecords>((resolve, reject) => {
    const worker = takeWorker(job.limits.memoryMb);
    const id = nextId++;
    let settled = false;
    /** A worker that answered is kept for the next read; any other ends (its heap may be spent). */
    const finish = (err: unknown, result?: SheetRecords, reusable = false) => {
      if (settled) return;
      settled = true;
      counters.finished++;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      if (reusable) keepIdle(worker, job.limits.memoryMb);
      else void worker.on('error', ignore).terminate();
      if (err) reject(err);
      else resolve(result!);
    };
    const timer = setTimeout(() => {
      counters.timeouts++;
      finish(limitExceeded(job.file.name, 'timeoutMs', job.limits.timeoutMs, job.limits));
    }, job.limits.timeoutMs);
    const onAbort = () => finish(aborted());
    signal?.addEventListener('abort', onAbort, { once: true });
    const onMessage = (message: { id: number; reply: SheetReadReply }) => {
      if (message.id !== id) return;
      const { reply } = message;
      if (reply.ok) finish(null, reply.result, true);
      else finish(new NodeError(reply.error.code, reply.error.message, reply.error.hint, { transient: reply.error.transient }), undefined, true);
    };
    const onError = (err: Error & { code?: string }) => {
      if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        counters.memoryKills++;
        finish(limitExceeded(job.file.name, 'memoryMb', job.limits.memoryMb, job.limits));
      } else {
        finish(new NodeError('E_SHEET_UNREADABLE', `"${job.file.name}" could not be read: the reader stopped (${err.message.slice(0, 200)}).`, 'Open the file in Excel or LibreOffice; if it opens, save it again as .xlsx or "CSV UTF-8", then choose that copy.', { cause: err }));
      }
    };
    const onExit = (code: number) => {
      finish(new NodeError('E_SHEET_UNREADABLE', `"${job.file.name}" could not be read: the reader ended without an answer (exit code ${code}).`, 'Try again; if it happens again, open the file in Excel or LibreOffice, save it again and choose that copy.'));
    };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    worker.postMessage({ id, job });
  });
}
