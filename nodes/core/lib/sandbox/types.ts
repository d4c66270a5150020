import type { Json } from '../../../sdk/types.ts';
import type { AnswerBatch, JobBatch } from './batches.ts';

/** Lines `log(...)` may write per execution; later calls are counted, not kept. */
export const LOG_LINES_MAX = 100;
/** Characters per log line; longer lines are cut. */
export const LOG_LINE_CHARS_MAX = 2000;

/** What the code node asks the sandbox to run. */
export interface SandboxRequest {
  /** The body of a function receiving `record`. */
  code: string;
  /** The record, passed in as a deep copy (JSON). */
  input: Json;
  timeoutMs: number;
  memoryLimitBytes: number;
}

/** Where in the user's code something happened (1-based, as an editor shows it). */
export interface CodePosition {
  line: number;
  column?: number;
  /** The user's function the error happened in, when it has a name. */
  functionName?: string;
}

/** How an execution ended, apart from a returned value (see SandboxOutcome / WorkerOutcome). */
export type FailureOutcome =
  /** The code returned undefined or null. */
  | { kind: 'unchanged' }
  /** The code returned something that is not data (a function, a Promise, a number…) or data that cannot be turned into JSON. */
  | { kind: 'bad-result'; what: string }
  | { kind: 'syntax-error'; message: string; position?: CodePosition }
  /** An exception escaped the code: `stack` for too deep recursion, `crash` when the isolate itself failed. */
  | { kind: 'threw'; error: string; position?: CodePosition; cause: 'error' | 'stack' | 'crash' }
  | { kind: 'timeout' }
  /** `heap`: the memory limit; `string`: a text longer than QuickJS allows; `input`: the record alone is too large. */
  | { kind: 'memory'; cause: 'heap' | 'string' | 'input' };

/** As the code node sees it: a returned object or list arrives parsed (not yet checked for shape). */
export type SandboxOutcome = FailureOutcome | { kind: 'result'; value: Json };

/** As the worker sends it: a returned object or list stays JSON text until the main thread parses it. */
export type WorkerOutcome = FailureOutcome | { kind: 'result'; json: string };

export interface RunReport<O> {
  outcome: O;
  /** Lines written with log(...), in order. */
  logs: string[];
  /** Calls of log(...) beyond the per-execution limit. */
  droppedLogs: number;
  /** Time spent in the isolate (creating it, compiling and running the code). */
  durationMs: number;
}

export type SandboxRun = RunReport<SandboxOutcome>;
export type WorkerRun = RunReport<WorkerOutcome>;

/** One execution, as posted to a worker: the record already turned into JSON text. */
export interface WorkerJob {
  code: string;
  inputJson: string;
  timeoutMs: number;
  memoryLimitBytes: number;
}

/** A job as posted, with the id its answer carries. */
export interface PostedJob {
  id: number;
  job: WorkerJob;
}

/** A job's answer: how it ran, or why the worker could not run it (e.g. QuickJS failed to load: not the user's code's fault). */
export type JobResult = { id: number; run: WorkerRun } | { id: number; error: string };

/** Messages from the main thread to a worker: jobs are posted in batches (batches.ts), run in order. */
export type ToWorker = { type: 'run'; batch: JobBatch } | { type: 'stats'; id: number; memoryLimitBytes: number };

/** Counters of one worker's QuickJS engines (see engine.ts). */
export interface EngineStats {
  loaded: number;
  retired: number;
  hostFailures: number;
  disposeFailures: number;
  engines: number;
  /** Engines made as instances of the one compiled QuickJS module (wasm-module.ts), not compiled each. */
  instantiated: number;
  /** Times the worker compiled QuickJS's WebAssembly module itself (0: it was given the pool's, wasm-module.ts). */
  compiled: number;
  /** QuickJS runtimes made, and executions that reused a warm one (see runtime.ts). */
  runtimes: { created: number; reused: number };
  /** Sealed contexts made, and executions that reused one (see sealed.ts). */
  contexts: { sealed: number; reused: number };
  /** WebAssembly memory of the engine for the asked memory limit (undefined if not loaded). */
  engineBytes?: number;
  /** The worker's own JavaScript heap in use. */
  heapUsed: number;
}

/** Messages from a worker to the main thread: answers in batches (which job runs is in shared memory, progress.ts). */
export type FromWorker = { type: 'done'; answers: AnswerBatch } | { type: 'stats'; id: number; stats: EngineStats };
