/**
 * The script every sandbox context starts with (see execute.ts), before any user code exists.
 *
 * BOOTSTRAP defines `log` and returns the runner. It keeps its own references to JSON,
 * Reflect.apply, eval… so the user's code cannot change how the record goes in or the result
 * comes out. The runner returns a string: a one-letter tag, then JSON or text.
 *   U          null/undefined: the record continues unchanged
 *   J<json>    the result, as JSON
 *   B<what>    a result that is not data
 *   E<info>    the code threw: {name, message, stack, thrown?}
 *   S<info>    the result could not be turned into JSON (circular, BigInt, deep…)
 *
 * Why two parts: a fresh context is made for every record, and QuickJS (interpreted WebAssembly)
 * takes about 0.3 ms to compile the helpers that describe values and errors, ten times the
 * rest of the bootstrap. Most records never log, throw or return a non-object, so HELPERS is
 * compiled only when one of them does, by the bootstrap's own saved `eval`, and it reaches
 * JSON, String, Error… only through the originals the bootstrap saved before the user's code ran.
 */
export const HELPERS = `(function (o) {
  'use strict';
  var stringify = o.stringify, toStr = o.toStr, ErrorCtor = o.ErrorCtor, hostLog = o.hostLog, maxLines = o.maxLines, maxChars = o.maxChars;
  var lines = 0;
  function show(v) {
    try {
      if (typeof v === 'string') return v;
      if (v === undefined) return 'undefined';
      if (typeof v === 'function') return '[function]';
      if (typeof v === 'symbol' || typeof v === 'bigint') return toStr(v);
      if (v instanceof ErrorCtor) return toStr(v.name) + ': ' + toStr(v.message);
      var s = stringify(v);
      return typeof s === 'string' ? s : toStr(v);
    } catch (e) {
      try { return toStr(v); } catch (e2) { return '[a value that cannot be shown]'; }
    }
  }
  function cap(s, n) { return s.length > n ? s.slice(0, n) + '…' : s; }
  return {
    log: function (args) {
      if (++lines > maxLines) { hostLog(); return; }
      var line = '';
      for (var i = 0; i < args.length && line.length <= maxChars; i++) line += (i ? ' ' : '') + show(args[i]);
      hostLog(line.length > maxChars ? line.slice(0, maxChars) + '…' : line);
    },
    errorInfo: function (e) {
      var info = { name: '', message: '', stack: '' };
      try {
        if (e instanceof ErrorCtor) {
          info.name = cap(toStr(e.name), 200);
          info.message = cap(toStr(e.message), 1000);
          info.stack = typeof e.stack === 'string' ? cap(e.stack, 2000) : '';
        } else {
          info.thrown = e === null ? 'null' : typeof e === 'string' ? stringify(cap(e, 1000)) : cap(show(e), 1000);
        }
      } catch (x) {
        info.thrown = '[an error that cannot be shown]';
      }
      return info;
    },
    what: function (v) {
      switch (typeof v) {
        case 'function': return 'a function';
        case 'symbol': return 'a symbol';
        case 'bigint': return 'a BigInt (' + toStr(v) + ')';
        case 'string': return 'text (' + stringify(cap(v, 40)) + ')';
        case 'number': return 'the number ' + toStr(v);
        case 'boolean': return 'the value ' + toStr(v);
        default: return 'a value of type ' + typeof v;
      }
    }
  };
})`;

export const BOOTSTRAP = `(function (hostLog, maxLines, maxChars, helpersSource) {
  'use strict';
  var parse = JSON.parse, stringify = JSON.stringify, apply = Reflect.apply, evaluate = eval, PromiseCtor = Promise;
  var originals = { stringify: stringify, toStr: String, ErrorCtor: Error, hostLog: hostLog, maxLines: maxLines, maxChars: maxChars };
  var helpers;
  function h() { return helpers || (helpers = apply(evaluate, undefined, [helpersSource])(originals)); }
  function log() { h().log(arguments); }
  Object.defineProperty(globalThis, 'log', { value: log, writable: true, configurable: true, enumerable: false });
  function isThenable(v) {
    try { return v instanceof PromiseCtor || typeof v.then === 'function'; } catch (e) { return false; }
  }
  return function run(fn, inputJson) {
    var record = parse(inputJson);
    var result;
    try {
      result = apply(fn, undefined, [record]);
    } catch (e) {
      return 'E' + stringify(h().errorInfo(e));
    }
    if (result === undefined || result === null) return 'U';
    if (typeof result !== 'object') return 'B' + h().what(result);
    if (isThenable(result)) return 'Ba Promise';
    var json;
    try {
      json = stringify(result);
    } catch (e) {
      return 'S' + stringify(h().errorInfo(e));
    }
    return typeof json === 'string' ? 'J' + json : 'Bnothing that can be stored';
  };
})`;
