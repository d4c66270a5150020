import { shouldInterruptAfterDeadline, type QuickJSContext, type QuickJSHandle } from 'quickjs-emscripten';
import { BOOTSTRAP, HELPERS } from './bootstrap.ts';
import { acquireEngine, afterExecution, noteDisposeFailure, noteHostFailure, type Engine } from './engine.ts';
import { giveBack, takeRuntime, type WarmRuntime } from './runtime.ts';
import { LOG_LINE_CHARS_MAX, LOG_LINES_MAX, type CodePosition, type WorkerJob, type WorkerOutcome, type WorkerRun } from './types.ts';

/**
 * Runs a user's function body in a QuickJS isolate (inside a sandbox worker, see worker.ts): no
 * require, no process, no files, no network, no timers — only standard JavaScript, the record and
 * `log(...)`.
 *
 * Every execution gets a fresh context (nothing can leak from one record to the next) in a warm
 * runtime (runtime.ts: reused while executions end normally), a deadline (an interrupt handler),
 * a memory cap (see engine.ts) and a small stack.
 * Data crosses the boundary as JSON text only: the record goes in as a string the isolate parses,
 * the result comes out as a string, log lines come out as strings. No host object or function is
 * reachable from inside, except the one log callback, which only accepts text.
 *
 * QuickJS checks the deadline only every ~10,000 steps, so code whose steps are slow built-in calls
 * (indexOf over a 20 MB text in a loop) can overrun it by minutes: the main thread's watchdog
 * (pool.ts) terminates the worker when that happens.
 */

/**
 * QuickJS's stack limit. QuickJS's frames also use the thread's native (V8) stack, several bytes
 * per byte of QuickJS stack, and a few constructs recurse in C with sparse checks (JSON.stringify
 * of deeply nested data, deeply nested brackets in eval). Measured in a worker with a 4 MB stack:
 * at 128 KB every construct tried ends in QuickJS's own "stack overflow"; at 512 KB some overflow
 * the native stack first. Workers get 8 MB (pool.ts) for margin. 128 KB allows ~700 nested calls
 * of an ordinary function. Should the native stack still overflow, the engine is retired.
 */
const STACK_BYTES = 128 * 1024;

/** The user's code becomes the body of this function; line numbers stay the same. */
const PREFIX = '(function (record) {';
const SUFFIX = '\n})';
const CODE_FILE = 'code.js';

interface ErrorInfo {
  name: string;
  message: string;
  stack: string;
  /** What was thrown, when it is not an Error. */
  thrown?: string;
  /** Syntax errors only: the line QuickJS reports. */
  lineNumber?: number;
}

/** Runs one job: `job.code` as the body of `function (record) { … }` with the record. */
export async function executeJob(job: WorkerJob, onStart?: () => void): Promise<WorkerRun> {
  const engine = await acquireEngine(job.memoryLimitBytes);
  onStart?.();
  return execute(engine, job);
}

interface Execution {
  engine: Engine;
  req: WorkerJob;
  refusedBefore: number;
  timedOut: boolean;
  logs: string[];
  droppedLogs: number;
  handles: QuickJSHandle[];
}

function execute(engine: Engine, req: WorkerJob): WorkerRun {
  const started = performance.now();
  const ex: Execution = { engine, req, refusedBefore: engine.refusedGrowths, timedOut: false, logs: [], droppedLogs: 0, handles: [] };
  let runtime: WarmRuntime | undefined;
  let vm: QuickJSContext | undefined;
  let outcome: WorkerOutcome;
  let hostFailed = false;
  try {
    runtime = takeRuntime(engine, STACK_BYTES);
    const rt = runtime.rt;
    const expired = shouldInterruptAfterDeadline(Date.now() + req.timeoutMs);
    // Once the deadline has passed, every later check interrupts too (reading an error cannot run on).
    rt.setInterruptHandler((runtime) => ex.timedOut || (ex.timedOut = expired(runtime) === true));
    vm = rt.newContext();
    outcome = runIn(vm, ex);
  } catch (err) {
    // A failure at host level (a WebAssembly trap or abort, the host stack overflowing while
    // QuickJS ran): the engine's state cannot be trusted any more, so it is not touched again.
    hostFailed = true;
    noteHostFailure(engine);
    outcome = hostFailureOutcome(err, ex);
  } finally {
    if (!hostFailed) {
      let disposed = false;
      try {
        for (let i = ex.handles.length - 1; i >= 0; i--) if (ex.handles[i].alive) ex.handles[i].dispose();
        vm?.dispose();
        disposed = true;
      } catch {
        // QuickJS aborts on a leaked handle; the result is still good, the engine is not.
        noteDisposeFailure(engine);
      }
      if (runtime && disposed) giveBack(engine, runtime, endedNormally(outcome!));
    }
  }
  afterExecution(engine);
  return { outcome, logs: ex.logs, droppedLogs: ex.droppedLogs, durationMs: performance.now() - started };
}

/** Whether the runtime may serve the next record: nothing interrupted, ran out or broke in it. */
function endedNormally(outcome: WorkerOutcome): boolean {
  switch (outcome.kind) {
    case 'timeout':
    case 'memory':
      return false;
    case 'threw':
      return outcome.cause === 'error';
    default:
      return true;
  }
}

function runIn(vm: QuickJSContext, ex: Execution): WorkerOutcome {
  const own = <T extends QuickJSHandle>(handle: T): T => {
    ex.handles.push(handle);
    return handle;
  };

  // 1. The runner and log(), before any user code.
  const boot = vm.evalCode(BOOTSTRAP, 'conveyor-sandbox.js', { type: 'global', strict: true });
  if (boot.error) return escapedOutcome(vm, own(boot.error), ex);
  const factory = own(boot.value);
  const hostLog = own(
    vm.newFunction('hostLog', (line?: QuickJSHandle) => {
      if (line === undefined || vm.typeof(line) !== 'string' || ex.logs.length >= LOG_LINES_MAX) {
        ex.droppedLogs++;
        return;
      }
      ex.logs.push(vm.getString(line).slice(0, LOG_LINE_CHARS_MAX + 1));
    }),
  );
  const made = vm.callFunction(factory, vm.undefined, hostLog, own(vm.newNumber(LOG_LINES_MAX)), own(vm.newNumber(LOG_LINE_CHARS_MAX)), own(vm.newString(HELPERS)));
  if (made.error) return escapedOutcome(vm, own(made.error), ex);
  const run = own(made.value);

  // 2. The user's code, compiled as the body of a function.
  const compiled = vm.evalCode(PREFIX + ex.req.code + SUFFIX, CODE_FILE, { type: 'global' });
  if (compiled.error) return compileFailure(vm, own(compiled.error), ex);
  const fn = own(compiled.value);
  if (vm.typeof(fn) !== 'function') {
    return { kind: 'syntax-error', message: 'the code is not the body of a function (check the curly brackets)' };
  }

  // 3. The call: the record goes in as JSON text, the result comes out as text.
  const called = vm.callFunction(run, vm.undefined, fn, own(vm.newString(ex.req.inputJson)));
  if (called.error) return escapedOutcome(vm, own(called.error), ex);
  const envelope = own(called.value);
  if (vm.typeof(envelope) !== 'string') return { kind: 'threw', cause: 'crash', error: 'the sandbox returned no result' };
  return decode(vm.getString(envelope), ex);
}

function decode(envelope: string, ex: Execution): WorkerOutcome {
  const tag = envelope[0];
  const body = envelope.slice(1);
  switch (tag) {
    case 'U':
      return { kind: 'unchanged' };
    case 'B':
      return { kind: 'bad-result', what: body };
    case 'J':
      return { kind: 'result', json: body };
    case 'E':
      return thrownOutcome(JSON.parse(body) as ErrorInfo, ex);
    case 'S':
      return serialiseFailure(JSON.parse(body) as ErrorInfo, ex);
    default:
      return { kind: 'threw', cause: 'crash', error: 'the sandbox returned an unexpected result' };
  }
}

function isOutOfMemory(info: ErrorInfo, ex: Execution): boolean {
  if (info.name === 'InternalError' && info.message === 'out of memory') return true;
  // When even the error object cannot be allocated, QuickJS throws null.
  return ex.engine.refusedGrowths > ex.refusedBefore && (info.thrown === 'null' || (info.thrown === undefined && info.name === ''));
}

function isStackOverflow(info: ErrorInfo, ex: Execution): boolean {
  if (info.message === 'stack overflow' && /^(InternalError|RangeError|SyntaxError)$/.test(info.name)) return true;
  // An interrupt that is not the deadline: the host stack ran out in the interrupt callback
  // (quickjs-emscripten then interrupts), which only deep recursion does.
  return info.name === 'InternalError' && info.message === 'interrupted' && !ex.timedOut;
}

function thrownOutcome(info: ErrorInfo, ex: Execution): WorkerOutcome {
  if (ex.timedOut) return { kind: 'timeout' };
  if (isOutOfMemory(info, ex)) return { kind: 'memory', cause: 'heap' };
  if (info.name === 'InternalError' && info.message === 'string too long') return { kind: 'memory', cause: 'string' };
  const position = positionIn(info.stack, ex.req.code);
  if (isStackOverflow(info, ex)) return { kind: 'threw', cause: 'stack', error: `${info.name}: ${info.message}`, position };
  const error = info.thrown !== undefined ? `the code threw ${info.thrown} (not an Error)` : `${info.name}: ${info.message}`;
  return { kind: 'threw', cause: 'error', error, position };
}

function serialiseFailure(info: ErrorInfo, ex: Execution): WorkerOutcome {
  if (ex.timedOut) return { kind: 'timeout' };
  if (isOutOfMemory(info, ex)) return { kind: 'memory', cause: 'heap' };
  if (info.name === 'InternalError' && info.message === 'string too long') return { kind: 'memory', cause: 'string' };
  if (isStackOverflow(info, ex)) return { kind: 'bad-result', what: 'data nested too deeply to be stored' };
  if (/circular/i.test(info.message)) return { kind: 'bad-result', what: 'an object that contains itself (a circular reference), which cannot be stored' };
  if (/bigint/i.test(info.message)) return { kind: 'bad-result', what: 'a BigInt inside the result, which cannot be stored (use Number(value) or String(value))' };
  const error = info.thrown !== undefined ? info.thrown : `${info.name}: ${info.message}`;
  return { kind: 'bad-result', what: `a value that cannot be turned into data (${error})` };
}

/** The user's code failed to compile: a syntax error, or code outside the function body that ran and threw. */
function compileFailure(vm: QuickJSContext, error: QuickJSHandle, ex: Execution): WorkerOutcome {
  const info = readError(vm, error);
  if (info && info.name === 'SyntaxError' && !ex.timedOut) {
    return { kind: 'syntax-error', message: info.message, position: syntaxPosition(info, ex.req.code) };
  }
  return info ? thrownOutcome(info, ex) : unreadableOutcome(ex);
}

/** An exception escaped the runner itself: the deadline, memory running out, or the stack. */
function escapedOutcome(vm: QuickJSContext, error: QuickJSHandle, ex: Execution): WorkerOutcome {
  if (ex.timedOut) return { kind: 'timeout' };
  const info = readError(vm, error);
  return info ? thrownOutcome(info, ex) : unreadableOutcome(ex);
}

function unreadableOutcome(ex: Execution): WorkerOutcome {
  if (ex.timedOut) return { kind: 'timeout' };
  if (ex.engine.refusedGrowths > ex.refusedBefore) return { kind: 'memory', cause: 'heap' };
  return { kind: 'threw', cause: 'crash', error: 'the code stopped with an error that cannot be read' };
}

/** Reads an exception handle; never throws (after a timeout every user getter is interrupted at once). */
function readError(vm: QuickJSContext, error: QuickJSHandle): ErrorInfo | undefined {
  try {
    const dumped: unknown = vm.dump(error);
    if (dumped !== null && typeof dumped === 'object') {
      const d = dumped as Record<string, unknown>;
      const text = (v: unknown): string => (typeof v === 'string' ? v : v === undefined ? '' : String(v));
      if ('message' in d || 'name' in d) {
        return { name: text(d.name), message: text(d.message), stack: text(d.stack), ...(typeof d.lineNumber === 'number' ? { lineNumber: d.lineNumber } : {}) };
      }
    }
    return { name: '', message: '', stack: '', thrown: dumped === null ? 'null' : JSON.stringify(dumped) ?? String(dumped) };
  } catch {
    return undefined;
  }
}

function hostFailureOutcome(err: unknown, ex: Execution): WorkerOutcome {
  if (ex.timedOut) return { kind: 'timeout' };
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    return { kind: 'threw', cause: 'stack', error: 'InternalError: stack overflow' };
  }
  if (ex.engine.refusedGrowths > ex.refusedBefore) return { kind: 'memory', cause: 'heap' };
  const detail = ex.engine.lastStderr || (err instanceof Error ? err.message : String(err));
  return { kind: 'threw', cause: 'crash', error: `the sandbox failed (${detail.slice(0, 300)})` };
}

/** The first place in the user's code named by a QuickJS stack, e.g. "    at total (code.js:3:14)". */
function positionIn(stack: string, code: string): CodePosition | undefined {
  for (const line of stack.split('\n')) {
    const m = /at (?:(.+?) \()?code\.js:(\d+)(?::(\d+))?\)?/.exec(line);
    if (!m) continue;
    const name = m[1] && !/^<.*>$/.test(m[1]) ? m[1] : undefined;
    return toUserPosition(Number(m[2]), m[3] === undefined ? undefined : Number(m[3]), code, name);
  }
  return undefined;
}

function syntaxPosition(info: ErrorInfo, code: string): CodePosition | undefined {
  const m = /code\.js:(\d+)(?::(\d+))?/.exec(info.stack);
  if (m) return toUserPosition(Number(m[1]), m[2] === undefined ? undefined : Number(m[2]), code);
  return info.lineNumber ? toUserPosition(info.lineNumber, undefined, code) : undefined;
}

/** Line 1 carries the wrapper's prefix; a position past the code (the wrapper's end) means "at the end". */
function toUserPosition(line: number, column: number | undefined, code: string, functionName?: string): CodePosition {
  const lines = code.split('\n');
  if (line > lines.length) return { line: lines.length, column: lines[lines.length - 1].length + 1, ...(functionName ? { functionName } : {}) };
  if (line === 1 && column !== undefined) column = Math.max(1, column - PREFIX.length);
  return { line, ...(column !== undefined ? { column } : {}), ...(functionName ? { functionName } : {}) };
}
