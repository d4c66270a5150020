import { describe, expect, it } from 'vitest';
import { NodeError } from '../../server/contract/node-error.ts';
import type { RecordData } from '../sdk/types.ts';
import { failureOf, makeContext, runNode } from '../sdk/testing.ts';
import { code } from './code.ts';
import { coreNodes } from './index.ts';
import { runFunction, sandboxPoolStats } from './lib/sandbox/pool.ts';

const order = { id: 7, qty: 3, price: 2.5, customer: { name: 'Ada', tags: ['vip'] } };
const MB = 1024 * 1024;

/** Runs the code node on `input` and returns the result; `extra` sets the other params. */
async function run(source: string, input: RecordData = order, extra: Record<string, unknown> = {}) {
  return runNode(code, { code: source, ...extra }, structuredClone(input));
}

/** Runs code that must fail and returns the NodeError. */
async function fails(source: string, extra: Record<string, unknown> = {}, input: RecordData = order): Promise<NodeError> {
  const err = await failureOf(() => run(source, input, extra));
  expect(err).toBeInstanceOf(NodeError);
  expect(err.hint.length).toBeGreaterThan(20);
  expect(err.transient).toBe(false);
  return err as NodeError;
}

describe('core.code', () => {
  it('has sensible defaults and is in the catalog', async () => {
    const params = code.params.parse({});
    expect(params).toMatchObject({ timeoutMs: 1000, memoryLimitMb: 32 });
    expect(params.code).toContain('return { ...record }');
    expect(code).toMatchObject({ type: 'core.code', title: 'Code', category: 'Data', effect: 'none', inputs: [{ id: 'in' }], outputs: [{ id: 'out' }] });
    expect(code.icon).toBeTruthy();
    expect(coreNodes).toContain(code);
    expect(code.params.safeParse({ timeoutMs: 30_001 }).success).toBe(false);
    expect(code.params.safeParse({ memoryLimitMb: 257 }).success).toBe(false);
    // The default code passes the record on as it is.
    const { result } = await runNode(code, {}, structuredClone(order));
    expect(result.emit).toEqual([{ port: 'out', data: order }]);
  });

  it('transforms the record with a deep copy, leaving the input untouched', async () => {
    const input = structuredClone(order);
    const { result } = await runNode(
      code,
      { code: 'record.customer.tags.push("changed");\nreturn { ...record, total: record.qty * record.price, upper: record.customer.name.toUpperCase() }' },
      input,
    );
    expect(result.emit).toEqual([
      { port: 'out', data: { ...order, customer: { name: 'Ada', tags: ['vip', 'changed'] }, total: 7.5, upper: 'ADA' } },
    ]);
    expect(input).toEqual(order);
  });

  it('fans out to several records when the code returns a list of objects', async () => {
    const { result } = await run('return record.customer.tags.concat(["new"]).map((tag, i) => ({ id: record.id, tag, i }))');
    expect(result.emit).toEqual([
      { port: 'out', data: { id: 7, tag: 'vip', i: 0 } },
      { port: 'out', data: { id: 7, tag: 'new', i: 1 } },
    ]);
  });

  it('passes the record on unchanged when the code returns nothing or null', async () => {
    for (const source of ['', 'const x = 1;', 'return;', 'return null', 'return undefined', '// just a comment']) {
      const { result } = await run(source);
      expect(result.emit, source).toEqual([{ port: 'out', data: order }]);
    }
  });

  it('ends the record (as success) when the code returns an empty list', async () => {
    const { result } = await run('return []');
    expect(result).toEqual({ emit: [], end: { status: 'success', reason: expect.stringMatching(/empty list/) } });
  });

  it('writes log(...) lines to the run log as text, capped in number and length', async () => {
    const { ctx } = await run('log("total", record.qty * record.price, { a: [1, 2] }, undefined, null, () => 1, new Error("e"));\nlog("x".repeat(5000));\nreturn record');
    expect(ctx.logs[0]).toEqual({ level: 'info', message: 'total 7.5 {"a":[1,2]} undefined null [function] Error: e' });
    expect(ctx.logs[1].message.length).toBeLessThanOrEqual(2001);
    expect(ctx.logs[1].message.endsWith('…')).toBe(true);

    const many = await run('for (let i = 0; i < 150; i++) log("line", i);');
    expect(many.ctx.logs.filter((l) => l.level === 'info')).toHaveLength(100);
    expect(many.ctx.logs.at(-1)).toMatchObject({ level: 'warn', message: expect.stringMatching(/50 more time/) });
  });

  it('keeps the log lines written before the code failed', async () => {
    const thrown = makeContext(code, { code: 'log("before"); throw new Error("boom")' }, {});
    await expect(code.run(thrown)).rejects.toMatchObject({ code: 'E_CODE_FAILED' });
    expect(thrown.logs).toEqual([{ level: 'info', message: 'before' }]);
    const ctx = makeContext(code, { code: 'log("before"); while (true) {}', timeoutMs: 50 }, {});
    await expect(code.run(ctx)).rejects.toMatchObject({ code: 'E_CODE_TIMEOUT' });
    expect(ctx.logs).toEqual([{ level: 'info', message: 'before' }]);
  });

  it('reports a syntax error as E_CODE_SYNTAX with line, column and message', async () => {
    const err = await fails('const a = 1;\nconst b = a +* 2;\nreturn { b }');
    expect(err.code).toBe('E_CODE_SYNTAX');
    expect(err.message).toMatch(/line 2, column \d+: unexpected token/);
    expect(err.hint).toMatch(/bracket, quote or comma/);

    const first = await fails('let x = ;');
    expect(first.message).toMatch(/line 1, column 9:/);
    const unclosed = await fails('if (record.qty > 1) {\n  return record');
    expect(unclosed).toMatchObject({ code: 'E_CODE_SYNTAX', message: expect.stringMatching(/line 2/) });
  });

  it('reports an exception thrown by the code as E_CODE_FAILED with its message and line', async () => {
    const err = await fails('function total(r) {\n  return r.lines.length * 2;\n}\nreturn { t: total(record) }');
    expect(err.code).toBe('E_CODE_FAILED');
    expect(err.message).toMatch(/line 2, column \d+ \(in function total\): TypeError: cannot read property 'length' of undefined/);
    expect(err.hint).toMatch(/log\(record\)/);

    const custom = await fails('\n\nthrow new RangeError("qty must be positive")');
    expect(custom.message).toMatch(/line 3.*RangeError: qty must be positive/);
    const notAnError = await fails('throw "plain text"');
    expect(notAnError.message).toMatch(/threw "plain text" \(not an Error\)/);
    const consoleLog = await fails('console.log(record)');
    expect(consoleLog.hint).toMatch(/Use log\(\.\.\.\) instead of console\.log/);
  });

  it('refuses results that are not records with E_CODE_BAD_RESULT', async () => {
    const cases: Array<[string, RegExp]> = [
      ['return 42', /the number 42/],
      ['return "done"', /text \("done"\)/],
      ['return true', /the value true/],
      ['return () => record', /a function/],
      ['return function named() {}', /a function/],
      ['return Symbol("s")', /a symbol/],
      ['return Promise.resolve(record)', /a Promise/],
      ['return (async () => record)()', /a Promise/],
      ['const a = { ...record }; a.self = a; return a', /contains itself/],
      ['return { big: 10n }', /BigInt/],
      ['return new Date(0)', /text \("1970-01-01T00:00:00.000Z"\)/],
      ['return [{ a: 1 }, 2]', /item 2 is the number 2/],
      ['return [{ a: 1 }, null]', /item 2 is empty/],
      ['return [[1]]', /item 1 is a list/],
      ['return { toJSON() { throw new Error("no") } }', /cannot be turned into data \(Error: no\)/],
    ];
    for (const [source, message] of cases) {
      const err = await fails(source);
      expect(err.code, source).toBe('E_CODE_BAD_RESULT');
      expect(err.message, source).toMatch(message);
      expect(err.hint).toMatch(/return \{ \.\.\.record/);
    }
  });

  it('drops functions and undefined inside a result, as JSON does, and never lets __proto__ through', async () => {
    const { result } = await run('return { a: 1, f() {}, u: undefined, n: NaN, d: new Date(0) }');
    expect(result.emit[0].data).toEqual({ a: 1, n: null, d: '1970-01-01T00:00:00.000Z' });
    const proto = await run('return JSON.parse(\'{"__proto__": {"polluted": 1}, "a": {"__proto__": {"x": 1}}}\')');
    const data = proto.result.emit[0].data as Record<string, unknown>;
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(data).toEqual({ a: {} });
    expect(Object.keys(data)).toEqual(['a']);
    expect((data as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it('stops before starting when the run is already stopped', async () => {
    const controller = new AbortController();
    controller.abort();
    const err = await failureOf(() => runNode(code, { code: 'return record' }, {}, { signal: controller.signal }));
    expect(err.name).toBe('AbortError');
  });
});

describe('core.code sandbox: escape attempts are contained', () => {
  it('this.constructor.constructor("return process")() finds no process', async () => {
    const err = await fails('const p = this.constructor.constructor("return process")();\nreturn { pid: p.pid }');
    expect(err).toMatchObject({ code: 'E_CODE_FAILED', message: expect.stringMatching(/ReferenceError: 'process' is not defined/) });
    expect(err.hint).toMatch(/closed box/);
    const { result } = await run('return { t: typeof this.constructor.constructor("return typeof process")() }');
    expect(result.emit[0].data).toEqual({ t: 'string' });
  });

  it('(function(){ return this })().process is undefined', async () => {
    const { result } = await run('return { t: typeof (function(){ return this })().process }');
    expect(result.emit[0].data).toEqual({ t: 'undefined' });
    const err = await fails('(function(){ return this })().process.exit(1)');
    expect(err.message).toMatch(/TypeError: cannot read property 'exit' of undefined/);
  });

  it('Function("return globalThis.process")() is undefined', async () => {
    const { result } = await run('return { t: typeof Function("return globalThis.process")() }');
    expect(result.emit[0].data).toEqual({ t: 'undefined' });
    const err = await fails('return Function("return globalThis.process")().mainModule.require("fs")');
    expect(err.code).toBe('E_CODE_FAILED');
  });

  it('require("fs") does not exist', async () => {
    const err = await fails('const fs = require("fs");\nreturn { files: fs.readdirSync("/") }');
    expect(err).toMatchObject({ code: 'E_CODE_FAILED', message: expect.stringMatching(/line 1.*ReferenceError: 'require' is not defined/) });
    expect(err.hint).toMatch(/no require, import, process, files, network or timers/);
  });

  it('import("fs") never loads anything', async () => {
    const promise = await fails('return import("fs")');
    expect(promise).toMatchObject({ code: 'E_CODE_BAD_RESULT', message: expect.stringMatching(/a Promise/) });
    // Promise jobs never run: the import's callbacks are never called.
    const { result } = await run('let got = "nothing"; import("fs").then(() => { got = "fs" }, () => { got = "error" }); return { got }');
    expect(result.emit[0].data).toEqual({ got: 'nothing' });
    expect((await fails('const fs = await import("fs");')).code).toBe('E_CODE_SYNTAX');
    expect((await fails('import fs from "fs";\nreturn record')).code).toBe('E_CODE_SYNTAX');
  });

  it('globalThis.fetch and the other host globals are absent', async () => {
    const err = await fails('return globalThis.fetch("http://127.0.0.1/")');
    expect(err).toMatchObject({ code: 'E_CODE_FAILED', message: expect.stringMatching(/TypeError: not a function/) });
    expect(err.hint).toMatch(/closed box/);
    const { result } = await run('return { names: Object.getOwnPropertyNames(globalThis) }');
    const names = (result.emit[0].data as { names: string[] }).names;
    for (const host of ['process', 'require', 'module', 'exports', 'fetch', 'setTimeout', 'setInterval', 'queueMicrotask', 'console', 'Buffer', 'WebAssembly', 'XMLHttpRequest', 'std', 'os', 'print', 'scriptArgs', 'Atomics']) {
      expect(names, host).not.toContain(host);
    }
    expect(names).toContain('log');
    expect(names).toContain('JSON');
  });

  it('built-ins are read-only, and nothing one execution adds to the global object reaches the next', async () => {
    const polluting = 'Object.prototype.polluted = 1; Array.prototype.evil = () => 1; JSON.parse = () => ({ hijacked: true }); globalThis.leak = record.id; return { ...record, seen: ({}).polluted ?? "none", leak }';
    const { result } = await run(polluting);
    expect(result.emit[0].data).toMatchObject({ id: 7, seen: 'none', leak: 7 });
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(([] as unknown as { evil?: unknown }).evil).toBeUndefined();
    expect(JSON.parse('{"a":1}')).toEqual({ a: 1 });
    const next = await run('return { polluted: ({}).polluted ?? "none", evil: typeof [].evil, leak: typeof leak, parsed: JSON.parse("[1]") }');
    expect(next.result.emit[0].data).toEqual({ polluted: 'none', evil: 'undefined', leak: 'undefined', parsed: [1] });
    // Strict code is told so; an Error subclass still names itself, objects still get their own toString.
    const strict = await fails('"use strict"; Array.prototype.sum = function () { return 0 }; return {}');
    expect(strict.message).toMatch(/TypeError/);
    const own = await run('class Late extends Error { constructor(m) { super(m); this.name = "Late"; } } const o = {}; o.toString = () => "mine"; return { name: new Late("x").name, text: String(o) }');
    expect(own.result.emit[0].data).toEqual({ name: 'Late', text: 'mine' });
  });

  it('while(true){} is stopped by the time limit (E_CODE_TIMEOUT), within ~2 s for timeoutMs 200', async () => {
    const started = Date.now();
    const err = await fails('while (true) {}', { timeoutMs: 200 });
    const took = Date.now() - started;
    expect(err.code).toBe('E_CODE_TIMEOUT');
    expect(err.message).toMatch(/200 ms/);
    expect(err.hint).toMatch(/loop that never ends/);
    expect(took).toBeGreaterThanOrEqual(190);
    expect(took).toBeLessThan(2000);
  });

  it('the time limit cannot be caught, and catches loops inside built-ins (regex backtracking, sort callbacks)', async () => {
    const sources = [
      'for (;;) { try { while (true) {} } catch (e) { log("caught", e) } }',
      'return { m: /(a+)+b/.test("a".repeat(40)) }',
      'const a = Array.from({ length: 1000 }, (_, i) => i); for (;;) a.sort((x, y) => y - x);',
      'function f() { try { return f() } catch (e) { return f() } } f()',
    ];
    for (const source of sources) {
      const started = Date.now();
      const err = await fails(source, { timeoutMs: 150 });
      expect(err.code, source).toBe('E_CODE_TIMEOUT');
      expect(Date.now() - started, source).toBeLessThan(2000);
    }
  });

  it('for(;;){ new Array(1e6) } frees each array at once, so the time limit stops it', async () => {
    const err = await fails('for (;;) { new Array(1e6) }', { timeoutMs: 150 });
    expect(err.code).toBe('E_CODE_TIMEOUT');
  });

  it('code that keeps memory is stopped at its memory limit (E_CODE_MEMORY)', async () => {
    for (const source of [
      'const keep = []; for (;;) { keep.push(new Array(1e6).fill(0)) }',
      'globalThis.keep = []; for (;;) { keep.push({ a: 1, b: [1, 2, 3] }) }',
      'const m = new Map(); for (let i = 0; ; i++) m.set(i, { i })',
    ]) {
      const err = await fails(source, { timeoutMs: 10_000 });
      expect(err.code, source + ' → ' + err.message).toBe('E_CODE_MEMORY');
      expect(err.message).toMatch(/memory limit of 32 MB/);
      expect(err.hint).toMatch(/raise "Memory limit"/);
    }
    // Code may catch running out of memory itself and go on.
    const caught = await run('try { const keep = []; for (;;) keep.push(new Uint8Array(1e6)) } catch (e) { log("caught", e) }\nreturn { survived: true }', order, { timeoutMs: 10_000 });
    expect(caught.result.emit[0].data).toEqual({ survived: true });
    expect(caught.ctx.logs[0].message).toMatch(/^caught /);
  });

  it('a huge string concatenation is stopped (E_CODE_MEMORY)', async () => {
    const doubling = await fails('let s = "x"; for (;;) s += s;');
    expect(doubling).toMatchObject({ code: 'E_CODE_MEMORY', message: expect.stringMatching(/text longer than JavaScript allows/) });
    const growing = await fails('let s = ""; const chunk = "x".repeat(100000); for (;;) s += chunk + s.length;', { timeoutMs: 10_000 });
    expect(growing.code).toBe('E_CODE_MEMORY');
  });

  it('the memory limit is the one set, not QuickJS\'s approximate count', async () => {
    const fill = (mb: number) => `const keep = []; for (let i = 0; i < ${mb}; i++) keep.push(new Uint8Array(1024 * 1024)); return { n: keep.length }`;
    // (A generous time limit: growing the WebAssembly memory is slow on a busy machine.)
    const slow = { timeoutMs: 10_000 };
    expect((await run(fill(24), order, { memoryLimitMb: 32, ...slow })).result.emit[0].data).toEqual({ n: 24 });
    expect((await fails(fill(40), { memoryLimitMb: 32, ...slow })).code).toBe('E_CODE_MEMORY');
    expect((await run(fill(40), order, { memoryLimitMb: 64, ...slow })).result.emit[0].data).toEqual({ n: 40 });
    expect((await fails(fill(80), { memoryLimitMb: 64, ...slow })).message).toMatch(/64 MB/);
  });

  it('a record too large for the memory limit is refused before running', async () => {
    const err = await fails('return record', { memoryLimitMb: 16 }, { blob: 'x'.repeat(5 * MB) });
    expect(err).toMatchObject({ code: 'E_CODE_MEMORY', message: expect.stringMatching(/record is too large/) });
  });

  it('deep recursion is stopped with a clear E_CODE_FAILED', async () => {
    for (const source of [
      'function down(n) { return down(n + 1) + 1 }\nreturn { n: down(0) }',
      'const o = { get x() { return this.x } }; return { x: o.x }',
      'function f() { return [1].map(f) } f()',
    ]) {
      const err = await fails(source);
      expect(err.code, source).toBe('E_CODE_FAILED');
      expect(err.message, source).toMatch(/went too deep/);
      expect(err.hint).toMatch(/condition that stops it/);
    }
    const named = await fails('function down(n) { return down(n + 1) + 1 }\nreturn { n: down(0) }');
    expect(named.message).toMatch(/line 1, column \d+ \(in function down\)/);
    // Ordinary recursion depths work.
    const { result } = await run('function fact(n) { return n <= 1 ? 1 : n * fact(n - 1) }\nreturn { f: fact(170) > 1e300, depth: (function d(n) { return n ? d(n - 1) : "ok" })(500) }');
    expect(result.emit[0].data).toEqual({ f: true, depth: 'ok' });
  });

  it('data nested too deeply is contained too, and the next record runs normally', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['let a = []; for (let i = 0; i < 1e6; i++) a = [a]; return { a }', 'E_CODE_BAD_RESULT', /nested too deeply/],
      ['let a = []; for (let i = 0; i < 1e6; i++) a = [a]; return { s: JSON.stringify(a).length }', 'E_CODE_FAILED', /went too deep/],
      ['return { v: eval("(".repeat(1e5) + "1" + ")".repeat(1e5)) }', 'E_CODE_FAILED', /went too deep/],
      ['return JSON.parse("[".repeat(1e6))', 'E_CODE_FAILED', /went too deep/],
    ];
    for (const [source, errorCode, message] of cases) {
      const err = await fails(source, { memoryLimitMb: 256, timeoutMs: 10_000 });
      expect(err.code, source).toBe(errorCode);
      expect(err.message, source).toMatch(message);
      const { result } = await run('return { ...record, ok: true }');
      expect(result.emit[0].data).toEqual({ ...order, ok: true });
    }
    const stats = await sandboxPoolStats(256 * MB);
    for (const engine of stats.engines) expect(engine).toMatchObject({ disposeFailures: 0, hostFailures: 0 });
  });

  it('JSON.stringify of a cyclic value inside the code is an ordinary exception', async () => {
    const err = await fails('const a = {}; a.a = a; return { s: JSON.stringify(a) }');
    expect(err).toMatchObject({ code: 'E_CODE_FAILED', message: expect.stringMatching(/TypeError: circular reference/) });
  });

  it('the host stays responsive: the code runs off the main thread', async () => {
    const started = Date.now();
    let firedAt = 0;
    const timer = new Promise<void>((resolve) =>
      setTimeout(() => {
        firedAt = Date.now();
        resolve();
      }, 20),
    );
    const err = await fails('while (true) {}', { timeoutMs: 1000 });
    expect(err.code).toBe('E_CODE_TIMEOUT');
    await timer;
    // The timer fired on time, during the loop, not after it.
    expect(firedAt - started).toBeLessThan(500);
    const { result } = await run('return { ok: 1 }');
    expect(result.emit[0].data).toEqual({ ok: 1 });
  });

  it('the watchdog stops code whose steps are too slow for QuickJS\'s own deadline check', async () => {
    const before = await sandboxPoolStats(32 * MB);
    const started = Date.now();
    // Each indexOf scans 20 MB; QuickJS would check its deadline only after ~10,000 of them (minutes).
    const err = await fails('const s = "a".repeat(2e7); for (;;) s.indexOf("b")', { timeoutMs: 200 });
    expect(err.code).toBe('E_CODE_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(2000);
    expect((await sandboxPoolStats(32 * MB)).watchdogKills).toBe(before.watchdogKills + 1);
    const { result } = await run('return { ...record, after: "watchdog" }');
    expect(result.emit[0].data).toMatchObject({ after: 'watchdog' });
  });

  it('stopping the run stops code that is running', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    const err = await failureOf(() => runNode(code, { code: 'while (true) {}', timeoutMs: 30_000 }, {}, { signal: controller.signal }));
    expect(err.name).toBe('AbortError');
    expect(Date.now() - started).toBeLessThan(1500);
    const { result } = await run('return { ok: 2 }');
    expect(result.emit[0].data).toEqual({ ok: 2 });
  });

  /** Runtimes made and reused, summed over the live sandbox workers (sequential runs go to the first idle one). */
  async function runtimeCounts() {
    const stats = await sandboxPoolStats(32 * MB);
    const sum = { created: 0, reused: 0, spawned: stats.spawned, contextsReused: 0 };
    for (const engine of stats.engines) {
      sum.created += engine?.runtimes.created ?? 0;
      sum.reused += engine?.runtimes.reused ?? 0;
      sum.contextsReused += engine?.contexts.reused ?? 0;
    }
    return sum;
  }

  it('the same code reuses its sealed context, and record 2 does not see the global record 1 set', async () => {
    const source = 'const before = typeof mine === "undefined" ? "nothing" : mine; mine = record.id; globalThis.other = record.id; return { before, now: mine }';
    await run('return null');
    const before = await runtimeCounts();
    const first = await run(source, { id: 1 });
    const second = await run(source, { id: 2 });
    expect(first.result.emit[0].data).toEqual({ before: 'nothing', now: 1 });
    expect(second.result.emit[0].data).toEqual({ before: 'nothing', now: 2 });
    // The second record ran in the very context the first one used.
    expect((await runtimeCounts()).contextsReused - before.contextsReused).toBe(1);
  });

  it('reuses a warm runtime, yet record 2 sees nothing record 1 left: globals, prototypes, changed built-ins', async () => {
    await run('return null');
    const before = await runtimeCounts();
    const first = 'globalThis.secret = record.id; leaked = record.id; Object.prototype.polluted = record.id; Array.prototype.evil = 1; JSON.stringify = () => "{}"; Math.max = () => 0; log.mark = 1; return null';
    await run(first);
    const second = await run('return { secret: typeof secret, leaked: typeof leaked, polluted: ({}).polluted ?? "none", evil: typeof [].evil, max: Math.max(1, 2), mark: typeof log.mark, json: JSON.stringify([1]) }');
    expect(second.result.emit[0].data).toEqual({ secret: 'undefined', leaked: 'undefined', polluted: 'none', evil: 'undefined', max: 2, mark: 'undefined', json: '[1]' });
    const after = await runtimeCounts();
    // Both records ran in the runtime the first one warmed: the isolation above is the context's.
    expect(after.reused - before.reused).toBe(2);
    expect(after.created).toBe(before.created);
  });

  it('a runaway loop in one record times out without breaking the next, which runs in a fresh runtime', async () => {
    await run('return null');
    const before = await runtimeCounts();
    const err = await fails('globalThis.left = record.id; while (true) {}', { timeoutMs: 100 });
    expect(err.code).toBe('E_CODE_TIMEOUT');
    const next = await run('return { ...record, left: typeof left }');
    expect(next.result.emit[0].data).toEqual({ ...order, left: 'undefined' });
    const after = await runtimeCounts();
    // The same worker (QuickJS's own deadline stopped the loop), a new runtime after the timeout.
    expect(after.spawned).toBe(before.spawned);
    expect(after.created - before.created).toBe(1);
  });

  it('many records of one run waiting at once add one stop listener to the run, not one each (no MaxListeners warning)', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const run = new AbortController();
      const outcomes = await Promise.all(
        Array.from({ length: 30 }, (_, i) => runFunction({ code: 'return { i: record.i }', input: { i }, timeoutMs: 5000, memoryLimitBytes: 32 * MB }, run.signal)),
      );
      expect(outcomes.map((o) => o.outcome.kind)).toEqual(Array(30).fill('result'));
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('runs many records at once, each in its own isolate', async () => {
    const runs = await Promise.all(
      Array.from({ length: 8 }, (_, i) => run(`globalThis.mine = (globalThis.mine ?? 0) + ${i}; return { i: ${i}, mine }`)),
    );
    expect(runs.map((r) => r.result.emit[0].data)).toEqual(Array.from({ length: 8 }, (_, i) => ({ i, mine: i })));
  });

  it('does not leak: 500 executions of every kind keep the engine memory and host heap bounded', { timeout: 180_000 }, async () => {
    const kinds = [
      'return { ...record, total: record.qty * record.price }',
      'log("a", record); return [{ a: 1 }, { b: 2 }]',
      'throw new Error("boom")',
      'return 1 +',
      'return () => 1',
      'const a = {}; a.a = a; return a',
      'return null',
      'const keep = []; for (;;) keep.push(new Array(1e5).fill(0))',
      'function f() { return f() } f()',
      'Object.prototype.x = 1; globalThis.y = 2; return { ...record }',
    ];
    for (const source of kinds) await run(source).catch(() => {});
    const before = await sandboxPoolStats(32 * MB);
    const heapBefore = process.memoryUsage().heapUsed;
    for (let i = 0; i < 500; i++) {
      await run(kinds[i % kinds.length]).catch((err: unknown) => {
        if (!(err instanceof NodeError)) throw err;
      });
    }
    const after = await sandboxPoolStats(32 * MB);
    // No worker died or was replaced, and in each: no engine failed, reloaded or grew.
    expect(after.spawned).toBe(before.spawned);
    expect(after.engines.length).toBe(before.engines.length);
    after.engines.forEach((engine, i) => {
      const was = before.engines[i]!;
      expect(engine).toMatchObject({ disposeFailures: 0, hostFailures: was.hostFailures, loaded: was.loaded, engineBytes: was.engineBytes });
      expect(engine!.heapUsed - was.heapUsed).toBeLessThan(30 * MB);
    });
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(50 * MB);
  });
});
