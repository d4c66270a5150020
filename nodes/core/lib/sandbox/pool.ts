import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Json } from '../../../sdk/types.ts';
import { abortError } from '../../../sdk/abort.ts';
import { Progress } from './progress.ts';
import { quickjsModule, quickjsModulesCompiled } from './wasm-module.ts';
import type { EngineStats, FromWorker, JobResult, SandboxOutcome, SandboxRequest, SandboxRun, ToWorker, WorkerJob, WorkerRun } from './types.ts';
import { answerAt, toJobBatch } from './batches.ts';

/**
 * Runs sandboxed code on a small pool of worker threads, so the server's own thread never waits
 * for user code. Each worker runs one execution at a time (execute.ts), in the order posted.
 *
 * Records are handed over in batches: what waits when the pool looks (records of a run arrive
 * together, as the engine commits them) goes to a worker in one message, up to PIPELINE jobs per
 * worker, and the worker answers in batches too (worker.ts). With one message and no timer per
 * record, a one-line code step costs the pool a fraction of what it did (docs/benchmarks.md).
 *
 * The watchdog: QuickJS checks its deadline only every ~10,000 steps, and a step can be a slow
 * built-in call, so a worker may overrun. The worker keeps which job it runs and since when in
 * shared memory (progress.ts); every WATCH_MS, while work is out, the pool looks: a job still running
 * GRACE_MS after its deadline has its worker terminated (which stops WebAssembly too; a new one is
 * started on demand) and ends as a timeout. A stopped run (the signal) terminates the worker running
 * its job the same way. The other jobs that worker held, not yet answered, go back to the front of
 * the queue: code has no effects outside its sandbox, so running one again changes nothing.
 */

// In the compiled build (scripts/build-server.mjs) the worker is sandbox-worker.js beside this code; from the sources, the tsx entry.
const BUNDLED_ENTRY = new URL('./sandbox-worker.js', import.meta.url);
const ENTRY = existsSync(BUNDLED_ENTRY) ? BUNDLED_ENTRY : new URL('./worker-entry.mjs', import.meta.url);
/** Worker threads at most: enough for parallel records, leaving a core to the server. */
export const MAX_WORKERS = Math.max(1, Math.min(4, availableParallelism() - 1));
/** How long past its deadline a worker may take to report back before it is terminated. */
export const GRACE_MS = 500;
/**
 * Jobs a worker holds at once (running and waiting in its inbox). More means fewer messages, but a
 * record can wait behind a slow one in its worker while another worker is free, and more run again
 * after a worker is terminated (code has no effects outside its sandbox: only time is lost). 64, a
 * run's default concurrency, against 16: the code step at 20,000 records, steady, 1.65 → 1.43 s of
 * CPU (32: 1.52; 128: 1.42), 1,568 → 397 messages to the worker (six paired rounds, load 2,
 * 2026-12-06). Several workers still share a batch: each job goes to the least loaded (`pick`).
 */
export const PIPELINE = 64;
/**
 * A busy worker gets more jobs only once it holds this many or fewer, so that they go in batches
 * of at least PIPELINE - REFILL_AT. Refilling after every answer sent 2.3 jobs a message on
 * average (answers come back a few at a time when the machine is busy).
 */
const REFILL_AT = PIPELINE / 2;
/** How often the watchdog looks at the workers that hold jobs. */
const WATCH_MS = 50;
/** A new worker must start (tsx, QuickJS) within this time. */
const START_TIMEOUT_MS = 30_000;
/** Idle workers end after this long, giving their memory back. */
const IDLE_MS = 60_000;
/** A job held by workers that died with no job running is tried this many times, then fails. */
const MAX_TRIES = 3;

interface Pending {
  id: number;
  job: WorkerJob;
  resolve(run: SandboxRun): void;
  reject(err: unknown): void;
  signal?: AbortSignal;
  /** Answered (or stopped): anything the worker still sends for it is ignored. */
  settled: boolean;
  tries: number;
}

interface Slot {
  worker: Worker;
  progress: Progress;
  /** Jobs posted and not answered yet, in the order the worker runs them. */
  held: Map<number, Pending>;
  /** When the worker last showed life (posted to while idle, answered, started a job). */
  seenAt: number;
  /** The job last seen running. */
  seenRunning: number;
  /** The worker has answered or started a job at least once. */
  alive: boolean;
  idleTimer?: NodeJS.Timeout;
  dead: boolean;
  stats: Map<number, (stats: EngineStats | undefined) => void>;
}

const slots: Slot[] = [];
const queue: Pending[] = [];
let nextId = 1;
let pumpScheduled = false;
let watchTimer: NodeJS.Timeout | undefined;
/**
 * QuickJS's WebAssembly module, compiled on this thread before the first worker starts and given to
 * every worker: V8 shares the compiled (and optimized) code, so no worker compiles QuickJS again,
 * nor has V8 optimize its interpreter again (wasm-module.ts). Compiling here costs about 12 ms of CPU
 * once (V8 compiles each function on its first call, in the workers). Should it fail, each worker
 * compiles its own, as before the module was shared (and reports a failure of its own to the job).
 */
let quickjs: WebAssembly.Module | undefined;
let quickjsTried: Promise<void> | null = null;
let quickjsSettled = false;
const counters = { spawned: 0, terminated: 0, watchdogKills: 0, requeued: 0, batches: 0, jobs: 0 };

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
      settled: false,
      tries: 0,
    };
    if (signal) watch(signal, pending);
    queue.push(pending);
    // Records that arrive in the same turn (a run's records, as the engine commits them) leave together.
    if (!pumpScheduled) {
      pumpScheduled = true;
      queueMicrotask(pump);
    }
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

/** Hands the waiting jobs to workers: an idle one first, a new one while there may be more, else the least loaded. */
function pump(): void {
  pumpScheduled = false;
  if (!quickjsSettled) {
    // Workers start once QuickJS is compiled here, so that workers started together share it too.
    quickjsTried ??= quickjsModule().then(
      (module) => void (quickjs = module),
      () => undefined,
    ).finally(() => (quickjsSettled = true));
    void quickjsTried.then(pump);
    return;
  }
  const batches = new Map<Slot, Pending[]>();
  while (queue.length > 0) {
    const slot = pick(batches);
    if (!slot) break;
    const pending = queue.shift()!;
    slot.held.set(pending.id, pending);
    const batch = batches.get(slot);
    if (batch) batch.push(pending);
    else batches.set(slot, [pending]);
  }
  for (const [slot, batch] of batches) post(slot, batch);
}

function pick(batches: Map<Slot, Pending[]>): Slot | undefined {
  let best: Slot | undefined;
  for (const slot of slots) {
    const open = batches.has(slot) || slot.held.size <= REFILL_AT;
    if (!slot.dead && open && slot.held.size < PIPELINE && (!best || slot.held.size < best.held.size)) best = slot;
  }
  if ((!best || best.held.size > 0) && slots.length < MAX_WORKERS) return spawn();
  return best;
}

/**
 * The profiler's flags among the process's, each with its value: `--cpu-prof-dir x` is two words, and
 * the flag alone made every worker fail to start (ERR_WORKER_INVALID_EXEC_ARGV).
 */
export function profilerFlags(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (!argv[i].startsWith('--cpu-prof')) continue;
    out.push(argv[i]);
    if (argv[i] !== '--cpu-prof' && !argv[i].includes('=') && i + 1 < argv.length) out.push(argv[++i]);
  }
  return out;
}

function spawn(): Slot {
  const progress = new Progress();
  const worker = new Worker(ENTRY, {
    name: 'conveyor-code-sandbox',
    workerData: { progress: progress.buffer, quickjs },
    // Not the server's flags (--watch, --import tsx…): worker-entry.mjs loads what it needs. Only
    // the profiler's, so `node --cpu-prof` profiles the sandbox too (docs/benchmarks.md).
    execArgv: profilerFlags(process.execArgv),
    // A worker that runs out of JavaScript heap ends alone (ERR_WORKER_OUT_OF_MEMORY), not the
    // server. 8 MB of native stack: see STACK_BYTES in execute.ts.
    resourceLimits: { maxOldGenerationSizeMb: 1024, stackSizeMb: 8 },
  });
  const slot: Slot = { worker, progress, held: new Map(), seenAt: Date.now(), seenRunning: 0, alive: false, dead: false, stats: new Map() };
  worker.on('message', (message: FromWorker) => onMessage(slot, message));
  worker.on('error', (err) => onDeath(slot, err));
  worker.on('exit', (code) => onDeath(slot, new Error(`the sandbox worker exited with code ${code}`)));
  worker.unref();
  slots.push(slot);
  counters.spawned++;
  return slot;
}

function post(slot: Slot, batch: Pending[]): void {
  if (slot.held.size === batch.length) {
    // The worker was idle: it shows life again from now on.
    slot.seenAt = Date.now();
    clearTimeout(slot.idleTimer);
    slot.worker.ref();
  }
  counters.batches++;
  counters.jobs += batch.length;
  slot.worker.postMessage({ type: 'run', batch: toJobBatch(batch) } satisfies ToWorker);
  watchWorkers();
}

function onMessage(slot: Slot, message: FromWorker): void {
  if (message.type === 'stats') {
    slot.stats.get(message.id)?.(message.stats);
    slot.stats.delete(message.id);
    return;
  }
  slot.alive = true;
  slot.seenAt = Date.now();
  const { answers } = message;
  for (let i = 0; i < answers.ids.length; i++) answer(slot, answerAt(answers, i));
  if (slot.held.size === 0) release(slot);
  pump();
}

function answer(slot: Slot, result: JobResult): void {
  const pending = slot.held.get(result.id);
  if (!pending) return;
  slot.held.delete(result.id);
  if (pending.settled) return;
  settle(pending);
  if ('run' in result) pending.resolve(fromWorker(result.run));
  else pending.reject(new Error(`The code sandbox could not run the code: ${result.error}`));
}

function release(slot: Slot): void {
  slot.worker.unref();
  slot.idleTimer = setTimeout(() => {
    if (slot.held.size === 0) remove(slot);
  }, IDLE_MS);
  slot.idleTimer.unref();
}

function settle(pending: Pending): void {
  pending.settled = true;
  if (pending.signal) watching.get(pending.signal)?.delete(pending);
}

/** Runs the watchdog while any worker holds jobs. */
function watchWorkers(): void {
  if (watchTimer) return;
  watchTimer = setInterval(() => {
    const now = Date.now();
    for (const slot of [...slots]) if (slot.held.size > 0) check(slot, now);
    if (!slots.some((slot) => slot.held.size > 0)) {
      clearInterval(watchTimer);
      watchTimer = undefined;
    }
  }, WATCH_MS);
  // The busy workers keep the process alive (post() refs them), not the watchdog.
  watchTimer.unref();
}

function check(slot: Slot, now: number): void {
  const running = slot.progress.running();
  if (!running) {
    // Between jobs only for moments: no job and no answer for this long, it is not starting (or stuck).
    if (now - slot.seenAt > START_TIMEOUT_MS) kill(slot, 'start');
    return;
  }
  if (running.id !== slot.seenRunning) {
    slot.seenRunning = running.id;
    slot.alive = true;
    slot.seenAt = now;
  }
  const pending = slot.held.get(running.id);
  if (!pending) return;
  // A job stopped while it waited in the worker and still running a while later: its worker is
  // terminated (a short one just ends; starting a worker costs far more).
  if (pending.settled) {
    if (now - running.since > WATCH_MS) kill(slot, 'abort', pending);
  }
  else if (now > running.since + pending.job.timeoutMs + GRACE_MS) kill(slot, 'timeout', pending);
}

/** Ends a worker (and whatever it runs). */
function remove(slot: Slot): void {
  if (slot.dead) return;
  slot.dead = true;
  clearTimeout(slot.idleTimer);
  const at = slots.indexOf(slot);
  if (at >= 0) slots.splice(at, 1);
  for (const reply of slot.stats.values()) reply(undefined);
  slot.stats.clear();
  counters.terminated++;
  void slot.worker.terminate();
}

/**
 * The jobs a dead worker held, except `culprit`, go back to the front of the queue. When no job was
 * to blame (the worker died between jobs, e.g. sealing a context), each counts a try, and fails
 * after MAX_TRIES: a job that kills its worker before it starts must not do so for ever.
 */
function requeue(slot: Slot, culprit: Pending | undefined, failure: string): void {
  const again: Pending[] = [];
  for (const pending of slot.held.values()) {
    if (pending === culprit || pending.settled) continue;
    if (!culprit && ++pending.tries >= MAX_TRIES) {
      settle(pending);
      pending.reject(new Error(`The code sandbox could not run the code: ${failure}`));
    } else {
      again.push(pending);
    }
  }
  slot.held.clear();
  counters.requeued += again.length;
  queue.unshift(...again);
  pump();
}

function kill(slot: Slot, reason: 'timeout' | 'start' | 'abort', culprit?: Pending): void {
  remove(slot);
  if (reason === 'start' && !slot.alive) {
    for (const pending of slot.held.values()) {
      if (pending.settled) continue;
      settle(pending);
      pending.reject(new Error(`The code sandbox did not start within ${START_TIMEOUT_MS / 1000} s.`));
    }
    slot.held.clear();
    return;
  }
  if (culprit && !culprit.settled) {
    settle(culprit);
    if (reason === 'timeout') {
      counters.watchdogKills++;
      culprit.resolve({ outcome: { kind: 'timeout' }, logs: [], droppedLogs: 0, durationMs: culprit.job.timeoutMs + GRACE_MS });
    } else {
      culprit.reject(abortError(culprit.signal!));
    }
  }
  requeue(slot, culprit, reason === 'start' ? `its worker stopped answering for ${START_TIMEOUT_MS / 1000} s` : 'its worker was stopped');
}

function abort(pending: Pending): void {
  if (pending.settled) return;
  const queued = queue.indexOf(pending);
  if (queued >= 0) queue.splice(queued, 1);
  const slot = queued >= 0 ? undefined : slots.find((s) => s.held.has(pending.id));
  if (slot && slot.progress.running()?.id === pending.id) {
    kill(slot, 'abort', pending);
    return;
  }
  // Queued, or waiting in a worker behind other jobs: answered now; should it start running
  // after all, the watchdog terminates its worker (check()).
  settle(pending);
  pending.reject(abortError(pending.signal!));
}

/** The worker died on its own: an uncaught error, or its JavaScript heap ran out. */
function onDeath(slot: Slot, err: Error & { code?: string }): void {
  if (slot.dead) return;
  const running = slot.progress.running();
  const culprit = running ? slot.held.get(running.id) : undefined;
  remove(slot);
  if (culprit && !culprit.settled) {
    settle(culprit);
    const outcome: SandboxOutcome =
      err.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? { kind: 'memory', cause: 'heap' }
        : { kind: 'threw', cause: 'crash', error: `the sandbox stopped unexpectedly (${err.message})` };
    culprit.resolve({ outcome, logs: [], droppedLogs: 0, durationMs: 0 });
  }
  if (!slot.alive && !culprit) {
    // It never ran anything: it could not start, and a new one would not either.
    for (const pending of slot.held.values()) {
      if (pending.settled) continue;
      settle(pending);
      pending.reject(new Error(`The code sandbox could not start: ${err.message}`));
    }
    slot.held.clear();
    pump();
    return;
  }
  requeue(slot, culprit, err.message);
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

/** The pool's own counters, without asking the workers (benchmarks: jobs per message). */
export function poolCounters(): typeof counters {
  return { ...counters };
}

/** Pool counters and each live worker's engine counters (for tests and diagnostics). */
export async function sandboxPoolStats(memoryLimitBytes: number): Promise<{
  spawned: number;
  terminated: number;
  watchdogKills: number;
  /** Jobs given to another worker after theirs was terminated. */
  requeued: number;
  /** Messages that carried jobs to workers, and the jobs they carried. */
  batches: number;
  jobs: number;
  workers: number;
  /** Times this thread compiled QuickJS for the workers (wasm-module.ts): once. */
  quickjsCompiled: number;
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
  return { ...counters, workers: slots.length, quickjsCompiled: quickjsModulesCompiled(), engines };
}
