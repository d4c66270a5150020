import { shouldInterruptAfterDeadline, type QuickJSContext, type QuickJSHandle } from 'quickjs-emscripten';
import { BOOTSTRAP, HELPERS } from './bootstrap.ts';
import { acquireEngine, afterExecution, noteDisposeFailure, noteHostFailure, type Engine } from './engine.ts';
import { giveBack, takeRuntime, type WarmRuntime } from './runtime.ts';
import { keepSealed, SealedContext, takeSealed } from './sealed.ts';
import { LOG_LINE_CHARS_MAX, LOG_LINES_MAX, type CodePosition, type WorkerJob, type WorkerOutcome, type WorkerRun } from './types.ts';

/**
 * Runs a user's function body in a QuickJS isolate (inside a sandbox worker, see worker.ts): no
 * require, no process, no files, no network, no timers — only standard JavaScript, the record and
 * `log(...)`.
 *
 * Every execution runs in a sealed context (bootstrap.ts, sealed.ts: the built-ins frozen, the
 * globals the code adds removed after each record, so nothing leaks from one record to the next),
 * kept per code text in a warm runtime (runtime.ts) while executions end normally, with a deadline
 * (an interrupt handler), a memory cap (see engine.ts) and a small stack.
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
  return execute(engine, job, onStart);
}

interface Execution {
  engine: Engine;
  req: WorkerJob;
  refusedBefore: number;
  timedOut: boolean;
  logs: string[];
  droppedLogs: number;
  /** Handles of this execution only (the record going in, the envelope coming out). */
  handles: QuickJSHandle[];
  /** The code left something on the global object that could not be removed (bootstrap.ts). */
  dirty: boolean;
  runtime?: WarmRuntime;
}

/** `onStart` is called when the user's code is about to be compiled or run: the main thread's watchdog starts then. */
function execute(engine: Engine, req: WorkerJob, onStart?: () => void): WorkerRun {
  const started = performance.now();
  const ex: Execution = { engine, req, refusedBefore: engine.refusedGrowths, timedOut: false, logs: [], droppedLogs: 0, handles: [], dirty: false };
  let runtime: WarmRuntime | undefined;
  let sealed: SealedContext | undefined;
  let outcome: WorkerOutcome;
  let hostFailed = false;
  try {
    runtime = takeRuntime(engine, STACK_BYTES);
    ex.runtime = runtime;
    const rt = runtime.rt;
    rt.removeInterruptHandler();
    sealed = takeSealed(runtime, req.code);
    // Sealing a new context is the sandbox's own work, done before the record's time limit starts.
    const fresh = !sealed;
    if (!sealed) sealed = new SealedContext(rt.newContext());
    const failedBoot = fresh ? bootstrap(sealed, ex) : undefined;
    onStart?.();
    const expired = shouldInterruptAfterDeadline(Date.now() + req.timeoutMs);
    // Once the deadline has passed, every later check interrupts too (reading an error cannot run on).
    rt.setInterruptHandler((runtime) => ex.timedOut || (ex.timedOut = expired(runtime) === true));
    // Compiling can run code too (code that closes the function body early).
    outcome = failedBoot ?? (fresh ? compile(sealed, ex) : undefined) ?? call(sealed, ex);
  } catch (err) {
    // A failure at host level (a WebAssembly trap or abort, the host stack overflowing while
    // QuickJS ran): the engine's state cannot be trusted any more, so it is not touched again.
    hostFailed = true;
    noteHostFailure(engine);
    outcome = hostFailureOutcome(err, ex);
  } finally {
    if (!hostFailed) {
      let disposed = false;
      // Only a context whose code compiled, ran normally and left nothing behind serves the next
      // record; a runtime a context was thrown away from is disposed too (which frees the garbage
      // that context leaves: QuickJS would count it against the next record's memory limit).
      const normal = endedNormally(outcome!) && !ex.dirty && sealed?.fn !== undefined;
      try {
        for (let i = ex.handles.length - 1; i >= 0; i--) if (ex.handles[i].alive) ex.handles[i].dispose();
        if (sealed) {
          sealed.sink = null;
          if (normal) keepSealed(runtime!, req.code, sealed);
          else sealed.dispose();
        }
        disposed = true;
      } catch {
        // QuickJS aborts on a leaked handle; the result is still good, the engine is not.
        noteDisposeFailure(engine);
      }
      if (runtime && disposed) giveBack(engine, runtime, normal);
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

/** Bootstraps and seals a new context; an outcome when that fails. */
function bootstrap(sealed: SealedContext, ex: Execution): WorkerOutcome | undefined {
  const { vm } = sealed;
  const own = <T extends QuickJSHandle>(handle: T): T => sealed.own(handle);

  // 1. The runner and log(), then the seal, before any user code.
  const boot = vm.evalCode(BOOTSTRAP, 'conveyor-sandbox.js', { type: 'global', strict: true });
  if (boot.error) return escapedOutcome(vm, own(boot.error), ex);
  const factory = own(boot.value);
  const hostLog = own(
    vm.newFunction('hostLog', (line?: QuickJSHandle) => {
      const sink = sealed.sink;
      if (!sink) return;
      if (line === undefined || vm.typeof(line) !== 'string' || sink.logs.length >= LOG_LINES_MAX) {
        sink.droppedLogs++;
        return;
      }
      sink.logs.push(vm.getString(line).slice(0, LOG_LINE_CHARS_MAX + 1));
    }),
  );
  const made = vm.callFunction(factory, vm.undefined, hostLog, own(vm.newNumber(LOG_LINES_MAX)), own(vm.newNumber(LOG_LINE_CHARS_MAX)), own(vm.newString(HELPERS)));
  if (made.error) return escapedOutcome(vm, own(made.error), ex);
  const api = own(made.value);
  sealed.run = own(vm.getProp(api, 'run'));
  sealed.seal = own(vm.getProp(api, 'seal'));
  return undefined;
}

/** The user's code, compiled as the body of a function, and frozen; an outcome when that fails. */
function compile(sealed: SealedContext, ex: Execution): WorkerOutcome | undefined {
  const { vm } = sealed;
  const own = <T extends QuickJSHandle>(handle: T): T => sealed.own(handle);
  const compiled = vm.evalCode(PREFIX + ex.req.code + SUFFIX, CODE_FILE, { type: 'global' });
  if (compiled.error) return compileFailure(vm, own(compiled.error), ex);
  const fn = own(compiled.value);
  if (vm.typeof(fn) !== 'function') {
    return { kind: 'syntax-error', message: 'the code is not the body of a function (check the curly brackets)' };
  }
  const frozen = vm.callFunction(sealed.seal, vm.undefined, fn);
  if (frozen.error) return escapedOutcome(vm, own(frozen.error), ex);
  own(frozen.value);
  sealed.fn = fn;
  return undefined;
}

/** The call: the record goes in as JSON text, the result comes out as text. */
function call(sealed: SealedContext, ex: Execution): WorkerOutcome {
  const { vm } = sealed;
  const own = <T extends QuickJSHandle>(handle: T): T => {
    ex.handles.push(handle);
    return handle;
  };
  sealed.sink = ex;
  const called = vm.callFunction(sealed.run, vm.undefined, sealed.fn, own(vm.newString(ex.req.inputJson)));
  if (called.error) return escapedOutcome(vm, own(called.error), ex);
  // Always text: `run` is the bootstrap's own frozen function (an unknown tag would read as a crash).
  const envelope = vm.getString(own(called.value));
  // "!": the global object could not be cleaned after the record (bootstrap.ts).
  ex.dirty = envelope[0] === '!';
  return decode(ex.dirty ? envelope.slice(1) : envelope, ex);
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
  // Out of memory while the error was being described: only its text is left.
  if (info.thrown !== undefined && /^"?InternalError: out of memory"?$/.test(info.thrown)) return true;
  // When even the error object cannot be allocated, QuickJS throws null (or its description is empty).
  const nothing = info.thrown === 'null' || info.thrown === '""' || (info.thrown === undefined && info.name === '');
  return nothing && (ex.engine.refusedGrowths > ex.refusedBefore || nearMemoryLimit(ex));
}

/** Whether the runtime's memory is (still) nearly all used: QuickJS's own limit was what refused. */
function nearMemoryLimit(ex: Execution): boolean {
  const rt = ex.runtime?.rt;
  if (!rt) return false;
  try {
    const usage = rt.dumpMemoryUsage();
    const used = Number(/memory used\s+\d+\s+(\d+)/.exec(usage)?.[1] ?? NaN);
    return !(used < ex.req.memoryLimitBytes * 0.9);
  } catch {
    return true; // not even the report could be allocated
  }
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
