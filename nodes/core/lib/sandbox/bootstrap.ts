/**
 * The script a sandbox context starts with (see sealed.ts), before any user code exists.
 *
 * BOOTSTRAP defines `log`, then seals the context so that it can serve record after record with
 * nothing of one record reachable by the next:
 * - every object reachable from the global object and from syntax (the prototypes of generators,
 *   iterators, typed arrays…) is frozen, and the built-ins' names on the global object cannot be
 *   replaced: code can read and use the built-ins, not change them;
 * - a few properties code commonly assigns on its own objects although a frozen prototype has them
 *   (err.name, obj.toString…) become accessors that set an own property instead ("override
 *   mistake"), so `this.name = 'MyError'` in an Error subclass still works;
 * - after every record, whatever the code added to the global object is deleted; a global that
 *   cannot be deleted, or a changed prototype of the global object, marks the context dirty and
 *   the host throws it away.
 * It keeps its own references to JSON, Reflect.apply, eval… so the user's code cannot change how
 * the record goes in or the result comes out. It returns { seal(fn), run(fn, inputJson) }:
 * seal freezes the compiled user function; run calls it with the record, then cleans the global
 * object (in the same call: one crossing per record), and returns "!" first when the global object
 * could not be made as sealed again (the host then throws the context away), then a one-letter
 * tag, then JSON or text:
 *   U          null/undefined: the record continues unchanged
 *   J<json>    the result, as JSON
 *   B<what>    a result that is not data
 *   E<info>    the code threw: {name, message, stack, thrown?}
 *   S<info>    the result could not be turned into JSON (circular, BigInt, deep…)
 *
 * HELPERS describes values and errors; QuickJS (interpreted WebAssembly) compiles it only when a
 * record logs, throws or returns something odd, by the bootstrap's own saved `eval`, and it reaches
 * JSON, String, Error… only through the originals the bootstrap saved before any user code ran.
 */
export const HELPERS = `(function (o) {
  'use strict';
  var stringify = o.stringify, toStr = o.toStr, ErrorCtor = o.ErrorCtor, hostLog = o.hostLog, maxLines = o.maxLines, maxChars = o.maxChars, count = o.count;
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
      if (++count.lines > maxLines) { hostLog(); return; }
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
  var ownKeys = Reflect.ownKeys, deleteProperty = Reflect.deleteProperty, getProto = Object.getPrototypeOf, setProto = Object.setPrototypeOf;
  var getDesc = Object.getOwnPropertyDescriptor, defineProperty = Object.defineProperty, freeze = Object.freeze, isExtensible = Object.isExtensible, create = Object.create;
  var ErrorCtor = Error, TypeErrorCtor = TypeError;
  var count = { lines: 0 };
  var originals = { stringify: stringify, toStr: String, ErrorCtor: Error, hostLog: hostLog, maxLines: maxLines, maxChars: maxChars, count: count };
  var helpers;
  function h() { return helpers || (helpers = apply(evaluate, undefined, [helpersSource])(originals)); }
  function log() { h().log(arguments); }
  defineProperty(globalThis, 'log', { value: log, writable: true, configurable: true, enumerable: false });

  // Assignable although inherited from a frozen prototype (the "override mistake"): err.name = …
  function enable(proto, key) {
    var d = getDesc(proto, key);
    if (!d || !('value' in d)) return;
    var value = d.value;
    defineProperty(proto, key, {
      get: function () { return value; },
      set: function (v) {
        if (this === proto) throw new TypeErrorCtor('Cannot change built-in ' + String(key));
        defineProperty(this, key, { value: v, writable: true, enumerable: true, configurable: true });
      },
      enumerable: d.enumerable, configurable: false,
    });
  }
  var errors = [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError];
  if (typeof AggregateError === 'function') errors.push(AggregateError);
  ['constructor', 'toString', 'valueOf', 'toLocaleString', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable'].forEach(function (k) { enable(Object.prototype, k); });
  errors.forEach(function (E) { ['name', 'message', 'constructor', 'toString'].forEach(function (k) { enable(E.prototype, k); }); });
  ['toString', 'constructor'].forEach(function (k) { enable(Array.prototype, k); });
  enable(Function.prototype, 'toString');

  // Lockdown: every object reachable from the globals and from syntax is frozen.
  var seen = new WeakSet();
  seen.add(globalThis);
  var stack = [];
  function push(v) { if ((typeof v === 'object' && v !== null) || typeof v === 'function') stack.push(v); }
  var keys = ownKeys(globalThis);
  for (var i = 0; i < keys.length; i++) { var d0 = getDesc(globalThis, keys[i]); push(d0.value); push(d0.get); push(d0.set); }
  function* gen() {}
  async function af() {}
  async function* ag() {}
  push(getProto(gen)); push(getProto(af)); push(getProto(ag)); push(getProto(gen())); push(getProto(ag()));
  push(getProto([][Symbol.iterator]())); push(getProto(new Map().entries())); push(getProto(new Set().values()));
  push(getProto(''[Symbol.iterator]())); push(getProto(/a/[Symbol.matchAll]('a')));
  if (typeof Int8Array === 'function') push(getProto(Int8Array));
  push(getDesc(Function.prototype, 'caller') && getDesc(Function.prototype, 'caller').get);
  push((function () { return arguments; })());
  while (stack.length) {
    var o = stack.pop();
    if (seen.has(o)) continue;
    seen.add(o);
    freeze(o);
    push(getProto(o));
    var ks = ownKeys(o);
    for (var j = 0; j < ks.length; j++) {
      var d = getDesc(o, ks[j]);
      if (d) { push(d.value); push(d.get); push(d.set); }
    }
  }
  // The built-ins' own names on the global object cannot be replaced either.
  var known = create(null);
  for (var k = 0; k < keys.length; k++) {
    known[keys[k]] = true;
    var gd = getDesc(globalThis, keys[k]);
    if ('value' in gd) gd.writable = false;
    gd.configurable = false;
    defineProperty(globalThis, keys[k], gd);
  }
  var globalProto = getProto(globalThis), knownCount = keys.length;
  /** Removes what the record's code added to the global object; false when it cannot. */
  function clean() {
    var now = ownKeys(globalThis), ok = true;
    // The built-ins' names cannot be deleted: as many names as sealed means nothing was added.
    if (now.length !== knownCount) {
      for (var i = 0; i < now.length; i++) if (known[now[i]] !== true && !deleteProperty(globalThis, now[i])) ok = false;
    }
    if (getProto(globalThis) !== globalProto) ok = false;
    if (!isExtensible(globalThis)) ok = false;
    return ok;
  }
  function isThenable(v) {
    try { return v instanceof PromiseCtor || typeof v.then === 'function'; } catch (e) { return false; }
  }
  function body(fn, inputJson) {
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
  }
  return {
    seal: function (fn) { freeze(fn); if (fn.prototype) freeze(fn.prototype); return fn; },
    run: function run(fn, inputJson) {
      count.lines = 0;
      var out = body(fn, inputJson);
      return clean() ? out : '!' + out;
    },
  };
})`;
