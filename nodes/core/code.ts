import { z } from 'zod';
import { defineNode, endWith, out, outMany } from '../sdk/define-node.ts';
import { NodeError } from '../../server/contract/node-error.ts';
import type { Json, RecordData } from '../sdk/types.ts';
import { runFunction } from './lib/sandbox/pool.ts';
import { LOG_LINES_MAX, type CodePosition, type SandboxOutcome } from './lib/sandbox/types.ts';

const DEFAULT_CODE = `// "record" holds this record's fields. Return the record to pass on, e.g.:
return { ...record };`;

const params = z.object({
  code: z
    .string()
    .max(100_000, 'The code can be at most 100000 characters long.')
    .default(DEFAULT_CODE)
    .describe(
      'JavaScript that works out the new record from "record" and returns it, e.g. return { ...record, total: record.qty * record.price }. Return a list of records to turn one record into several, or nothing to pass the record on unchanged. log(...) writes a line to the run log.',
    )
    .meta({ title: 'Code', widget: 'code' }),
  timeoutMs: z
    .number()
    .int('Use a whole number of milliseconds.')
    .min(10, 'The time limit must be at least 10 ms.')
    .max(30_000, 'The time limit can be at most 30000 ms (30 seconds).')
    .default(1000)
    .describe('How long the code may run for one record, in milliseconds (at most 30000). Code still running then is stopped.')
    .meta({ title: 'Time limit (milliseconds)' }),
  memoryLimitMb: z
    .number()
    .int('Use a whole number of megabytes.')
    .min(16, 'The memory limit must be at least 16 MB.')
    .max(256, 'The memory limit can be at most 256 MB.')
    .default(32)
    .describe('How much memory the code may use for one record, in megabytes (16 to 256). Code that needs more is stopped.')
    .meta({ title: 'Memory limit (MB)' }),
});

const SHAPE_HINT =
  'End the code with return { ...record, field: value } for one record, return [ {...}, {...} ] for several records, or return nothing to pass the record on unchanged. Use plain data only (text, numbers, true/false, null, lists, objects): no functions, no objects that contain themselves; turn dates into text with .toISOString().';
const CLOSED_BOX =
  'The code runs in a closed box: it has the record, standard JavaScript (Math, JSON, Date, String, Array…) and log(...), but no require, import, process, files, network or timers. Use an HTTP request node for web calls.';

export const code = defineNode({
  type: 'core.code',
  title: 'Code',
  category: 'Data',
  description: 'Runs a few lines of JavaScript on each record, in a closed sandbox with a time and a memory limit.',
  icon: 'braces',
  params,
  effect: 'none',
  async run(ctx) {
    const { code: source, timeoutMs, memoryLimitMb } = ctx.params;
    const run = await runFunction({ code: source, input: ctx.input, timeoutMs, memoryLimitBytes: memoryLimitMb * 1024 * 1024 }, ctx.signal);
    for (const line of run.logs) ctx.log.info(line);
    if (run.droppedLogs > 0) {
      ctx.log.warn(`log(...) was called ${run.droppedLogs} more time(s); only the first ${LOG_LINES_MAX} lines per record are written.`);
    }
    return toResult(run.outcome, ctx.input, ctx.params);
  },
});

type Params = z.infer<typeof params>;

function toResult(outcome: SandboxOutcome, input: RecordData, p: Params) {
  switch (outcome.kind) {
    case 'unchanged':
      return out(input);
    case 'result':
      return fromValue(outcome.value);
    case 'bad-result':
      throw badResult(`The code returned ${outcome.what}, but it must return the record as an object.`);
    case 'syntax-error':
      throw new NodeError(
        'E_CODE_SYNTAX',
        `The code has a syntax error${where(outcome.position)}: ${outcome.message}.`,
        'Look at that line for a missing or extra bracket, quote or comma. The code is the inside of a function: it gets the record as "record" and ends with return, e.g. return { ...record, total: record.qty * record.price };',
      );
    case 'threw':
      throw codeFailed(outcome);
    case 'timeout':
      throw new NodeError(
        'E_CODE_TIMEOUT',
        `The code was still running after ${p.timeoutMs} ms (its time limit) and was stopped.`,
        `Look for a loop that never ends, such as while (true) or a loop whose condition never changes. If the work really takes that long, raise "Time limit" (at most 30000 ms).`,
      );
    case 'memory':
      throw new NodeError(
        'E_CODE_MEMORY',
        outcome.cause === 'input'
          ? `This record is too large for the code's memory limit of ${p.memoryLimitMb} MB.`
          : outcome.cause === 'string'
            ? 'The code built a text longer than JavaScript allows (about a billion characters) and was stopped.'
            : `The code needed more than its memory limit of ${p.memoryLimitMb} MB and was stopped.`,
        `Look for a loop that keeps adding to a list or a text without end. If the record really needs more memory, raise "Memory limit" (at most 256 MB).`,
      );
  }
}

/** An object is the new record; a list of objects fans the record out; an empty list ends it. */
function fromValue(value: Json) {
  if (Array.isArray(value)) {
    if (value.length === 0) return endWith('success', 'The code returned an empty list: the record goes no further.');
    const items: RecordData[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (!isRecord(item)) {
        throw badResult(`The code returned a list whose item ${i + 1} is ${describe(item)}; every item must be a record (an object).`);
      }
      items[i] = item;
    }
    return outMany(items);
  }
  if (isRecord(value)) return out(value);
  // An object whose toJSON gave something else, e.g. a Date (text).
  throw badResult(`The code returned something that is stored as ${describe(value)}, but it must return the record as an object.`);
}

function isRecord(value: Json): value is RecordData {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function describe(value: Json): string {
  if (value === null) return 'empty (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `text (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
  return `the ${typeof value} ${String(value)}`;
}

function badResult(message: string): NodeError {
  return new NodeError('E_CODE_BAD_RESULT', message, SHAPE_HINT);
}

function codeFailed(outcome: Extract<SandboxOutcome, { kind: 'threw' }>): NodeError {
  if (outcome.cause === 'stack') {
    return new NodeError(
      'E_CODE_FAILED',
      `The code went too deep${where(outcome.position)} — a function kept calling itself, or data is nested too deeply — and was stopped (${outcome.error}).`,
      'Make sure a function that calls itself has a condition that stops it, or work through nested data with a loop.',
    );
  }
  if (outcome.cause === 'crash') {
    return new NodeError(
      'E_CODE_FAILED',
      `The code could not be run: ${outcome.error}.`,
      'Simplify the code and try again; if it keeps happening, report it with the code to whoever maintains Conveyor.',
    );
  }
  const missing = /^ReferenceError: '([^']+)' is not defined/.exec(outcome.error)?.[1];
  let hint = 'Check that the record has the fields the code uses, holding the kind of value it expects: log(record) writes the record to the run log. Values read from CSV are text: use Number(record.qty) before calculating.';
  if (missing === 'console') hint = 'Use log(...) instead of console.log(...): it writes to the run log.';
  else if (missing || /not a function/.test(outcome.error)) hint = `${CLOSED_BOX} ${hint}`;
  return new NodeError('E_CODE_FAILED', `The code failed${where(outcome.position)}: ${outcome.error}.`, hint);
}

function where(position: CodePosition | undefined): string {
  if (!position) return '';
  const column = position.column !== undefined ? `, column ${position.column}` : '';
  const fn = position.functionName ? ` (in function ${position.functionName})` : '';
  return ` on line ${position.line}${column}${fn}`;
}
