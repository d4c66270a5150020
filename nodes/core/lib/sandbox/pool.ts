import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Json } from '../../../sdk/types.ts';
import { abortError } from '../../../sdk/abort.ts';
import type { EngineStats, FromWorker, SandboxOutcome, SandboxRequest, SandboxRun, ToWorker, WorkerJob, WorkerRun } from './types.ts';

/**
 * Runs sandboxed code on a small pool of worker threads, so the server's own thread never waits
 * for user code. Each worker runs one execution at a time (execute.ts); executions beyond the pool
 * size wait in line.
 *
 * The watchdog: QuickJS checks its deadline only every ~10,000 steps, and a step can be a slow
 * built-in call, so a worker may overrun. When a worker has not reported GRACE_MS after the
 * deadline, it is terminated (which stops WebAssembly too) and replaced on demand; the execution
 * ends as a timeout. A stopped run (the signal) terminates its worker the same way.
 */

// In the compiled build (scripts/build-server.mjs) the worker is sandbox-worker.js beside this code; from the sources, the tsx entry.
const BUNDLED_ENTRY = new URL('./sandbox-worker.js', import.meta.url);
const ENTRY = existsSync(BUNDLED_ENTRY) ? BUNDLED_ENTRY : new URL('./worker-entry.mjs', import.meta.url);
/** Worker threads at most: enough for parallel records, leaving a core to the server. */
export const MAX_WORKERS = Math.max(1, Math.min(4, availableParallelism() - 1));
/** How long past its deadline a worker may take to report back before it is terminated. */
export const GRACE_MS = 500;
/** A new worker must start (tsx, QuickJS) within this time. */
const START_TIMEOUT_MS = 30_000;
/** Idle workers end after this long, giving their memory back. */
const IDLE_MS = 60_000;

interface Pending {
  id: number;
  job: WorkerJob;
  resolve(run: SandboxRun): void;
  reject(err: unknown): void;
  signal?: AbortSignal;
  /** The worker has begun the synchronous execution (the watchdog runs). */
  started: boolean;
  timer?: NodeJS.Timeout;
}

interface Slot {
  worker: Worker;
  current: Pending | null;
  idleTimer?: NodeJS.Timeout;
  dead: boolean;
  stats: Map<number, (stats: EngineStats | undefined) => void>;
}

const slots: Slot[] = [];
const queue: Pending[] = [];
let nextId = 1;
const counters = { spawned: 0, terminated: 0, watchdogKills: 0 };

/** Runs the code with the record in a sandbox worker; rejects only with an AbortError or when the sandbox cannot start. */
export function runFunction(req: SandboxRequest, signal?: AbortSignal): Promise<SandboxRun> {
  const inputJson = JSON.stringify(req.input);
  // The text, its parsed copy and the code's own work must all fit.
  if (inputJson.length * 4 > req.memoryLimitBytes) {
    return Promise.resolve({ outcome: { kind: 'memory', cause: 'input' }, logs: [], droppedLogs: 0, durationMs: 0 });
  }
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise<SandboxRun>((resolve, reject) => {
    const pending: Pending = {
      id: nextId++,
      job: { code: req.code, inputJson, timeoutMs: req.timeoutMs, memoryLimitBytes: req.memoryLimitBytes },
      resolve,
      reject,
      signal,
      started: false,
    };
    if (signal) watch(signal, pending);
    queue.push(pending);
    pump();
  });
}

/**
 * The executions waiting on each signal. A run's records share its signal: one listener per signal,
 * not one per execution (64 records at once would pass Node's limit of 10 and print a warning).
 */
const watching = new WeakMap<AbortSignal, Set<Pending>>();

function watch(signal: AbortSignal, pending: Pending): void {
  let set = watching.get(signal);
  if (!set) {
    const executions = new Set<Pending>();
    set = executions;
    watching.set(signal, executions);
    signal.addEventListener('abort', () => {
      for (const p of [...executions]) abort(p);
    }, { once: true });
  }
  set.add(pending);
}

function pump(): void {
  while (queue.length > 0) {
    let slot = slots.find((s) => !s.current && !s.dead);
    if (!slot) {
      if (slots.length >= MAX_WORKERS) return;
      slot = spawn();
    }
    dispatch(slot, queue.shift()!);
  }
}

function spawn(): Slot {
  const worker = new Worker(ENTRY, {
    name: 'conveyor-code-sandbox',
    // Not the server's flags (--watch, --import tsx…): worker-entry.mjs loads what it needs.
    execArgv: [],
    // A worker that runs out of JavaScript heap ends alone (ERR_WORKER_OUT_OF_MEMORY), not the
    // server. 8 MB of native stack: see STACK_BYTES in execute.ts.
    resourceLimits: { maxOldGenerationSizeMb: 1024, stackSizeMb: 8 },
  });
  const slot: Slot = { worker, current: null, dead: false, stats: new Map() };
  worker.on('message', (message: FromWorker) => onMessage(slot, message));
  worker.on('error', (err) => onDeath(slot, err));
  worker.on('exit', (code) => onDeath(slot, new Error(`the sandbox worker exited with code ${code}`)));
  worker.unref();
  slots.push(slot);
  counters.spawned++;
  return slot;
}

function dispatch(slot: Slot, pending: Pending): void {
  slot.current = pending;
  clearTimeout(slot.idleTimer);
  slot.worker.ref();
  pending.timer = setTimeout(() => kill(slot, 'start'), START_TIMEOUT_MS);
  slot.worker.postMessage({ type: 'run', id: pending.id, job: pending.job } satisfies ToWorker);
}

function onMessage(slot: Slot, message: FromWorker): void {
  if (message.type === 'stats') {
    slot.stats.get(message.id)?.(message.stats);
    slot.stats.delete(message.id);
    return;
  }
  const pending = slot.current;
  if (!pending || pending.id !== message.id) return;
  if (message.type === 'started') {
    pending.started = true;
    clearTimeout(pending.timer);
    pending.timer = setTimeout(() => kill(slot, 'timeout'), pending.job.timeoutMs + GRACE_MS);
    return;
  }
  release(slot);
  settle(pending);
  if (message.type === 'done') pending.resolve(fromWorker(message.run));
  else pending.reject(new Error(`The code sandbox could not run the code: ${message.error}`));
  pump();
}

function release(slot: Slot): void {
  slot.current = null;
  slot.worker.unref();
  slot.idleTimer = setTimeout(() => {
    if (!slot.current) remove(slot);
  }, IDLE_MS);
  slot.idleTimer.unref();
}

function settle(pending: Pending): void {
  clearTimeout(pending.timer);
  if (pending.signal) watching.get(pending.signal)?.delete(pending);
}

/** Ends a worker (and whatever it runs). */
function remove(slot: Slot): void {
  if (slot.dead) return;
  slot.dead = true;
  clearTimeout(slot.idleTimer);
  const at = slots.indexOf(slot);
  if (at >= 0) slots.splice(at, 1);
  for (const answer of slot.stats.values()) answer(undefined);
  slot.stats.clear();
  counters.terminated++;
  void slot.worker.terminate();
}

function kill(slot: Slot, reason: 'timeout' | 'start' | 'abort'): void {
  const pending = slot.current;
  remove(slot);
  if (pending) {
    settle(pending);
    if (reason === 'timeout') {
      counters.watchdogKills++;
      pending.resolve({ outcome: { kind: 'timeout' }, logs: [], droppedLogs: 0, durationMs: pending.job.timeoutMs + GRACE_MS });
    } else if (reason === 'abort') {
      pending.reject(abortError(pending.signal!));
    } else {
      pending.reject(new Error(`The code sandbox did not start within ${START_TIMEOUT_MS / 1000} s.`));
    }
  }
  pump();
}

function abort(pending: Pending): void {
  const queued = queue.indexOf(pending);
  if (queued >= 0) {
    queue.splice(queued, 1);
    settle(pending);
    pending.reject(abortError(pending.signal!));
    return;
  }
  const slot = slots.find((s) => s.current === pending);
  if (slot) kill(slot, 'abort');
}

/** The worker died on its own: an uncaught error, or its JavaScript heap ran out. */
function onDeath(slot: Slot, err: Error & { code?: string }): void {
  if (slot.dead) return;
  const pending = slot.current;
  remove(slot);
  if (pending) {
    settle(pending);
    if (!pending.started) {
      pending.reject(new Error(`The code sandbox could not start: ${err.message}`));
    } else {
      const outcome: SandboxOutcome =
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? { kind: 'memory', cause: 'heap' }
          : { kind: 'threw', cause: 'crash', error: `the sandbox stopped unexpectedly (${err.message})` };
      pending.resolve({ outcome, logs: [], droppedLogs: 0, durationMs: 0 });
    }
  }
  pump();
}

function fromWorker(run: WorkerRun): SandboxRun {
  const { outcome } = run;
  if (outcome.kind !== 'result') return { ...run, outcome };
  try {
    return { ...run, outcome: { kind: 'result', value: parseResult(outcome.json) } };
  } catch {
    return { ...run, outcome: { kind: 'bad-result', what: 'something that is not valid data' } };
  }
}

/** JSON.parse, dropping "__proto__" keys so a result cannot carry a prototype into host objects. */
function parseResult(json: string): Json {
  if (!json.includes('"__proto__"')) return JSON.parse(json) as Json;
  return JSON.parse(json, (key, value: unknown) => (key === '__proto__' ? undefined : value)) as Json;
}

/** Pool counters and each live worker's engine counters (for tests and diagnostics). */
export async function sandboxPoolStats(memoryLimitBytes: number): Promise<{
  spawned: number;
  terminated: number;
  watchdogKills: number;
  workers: number;
  engines: Array<EngineStats | undefined>;
}> {
  const engines = await Promise.all(
    slots.map(
      (slot) =>
        new Promise<EngineStats | undefined>((resolve) => {
          const id = nextId++;
          slot.stats.set(id, resolve);
          slot.worker.postMessage({ type: 'stats', id, memoryLimitBytes } satisfies ToWorker);
        }),
    ),
  );
  return { ...counters, workers: slots.length, engines };
}
