import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../../server/main.ts';

/**
 * Fuzzing POST /api/flows/import (SPEC §7: bad input changes nothing). Every case is derived
 * deterministically from the example flows in flows/ with a seeded PRNG, so a failure names a
 * case that can be replayed: same SEED, same case number, same body.
 */

const SEED = 0xc0ffee;
const CASES = 1200;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** mulberry32: small, fast, good enough for test data. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: <T>(xs: readonly T[]): T => xs[int(xs.length)], chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof prng>;

const EXAMPLES: Json[] = readdirSync('flows')
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(path.join('flows', f), 'utf8')) as Json);

const clone = (v: Json): Json => JSON.parse(JSON.stringify(v)) as Json;

/** Sets an own, enumerable property even for `__proto__` (so JSON.stringify writes it out). */
function setOwn(obj: Record<string, Json>, key: string, value: Json) {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Every container in the tree with each of its keys: the places a mutation can hit. */
function slots(root: Json): Array<{ parent: Record<string, Json> | Json[]; key: string | number }> {
  const out: Array<{ parent: Record<string, Json> | Json[]; key: string | number }> = [];
  const walk = (v: Json) => {
    if (Array.isArray(v)) v.forEach((x, i) => (out.push({ parent: v, key: i }), walk(x)));
    else if (v && typeof v === 'object') for (const k of Object.keys(v)) out.push({ parent: v, key: k }), walk(v[k]);
  };
  walk(root);
  return out;
}

function containers(root: Json): Array<Record<string, Json> | Json[]> {
  const out: Array<Record<string, Json> | Json[]> = [];
  const walk = (v: Json) => {
    if (Array.isArray(v)) (out.push(v), v.forEach(walk));
    else if (v && typeof v === 'object') (out.push(v), Object.values(v).forEach(walk));
  };
  walk(root);
  return out;
}

const DEEP = '\u0000DEEP\u0000';
const UNICODE = ['Ünïcødé', '日本語のフロー', 'مرحبا', '👩‍👩‍👧‍👦🚀', '\u202eevil\u202c', 'a\u0000b', '\ud800', '\udfff\ud800', 'e\u0301', '\uFEFF', '\u2028\u2029', 'ﷺ'.repeat(50)];
const KEYS = ['__proto__', 'constructor', 'prototype', 'polluted', 'toString', 'hasOwnProperty', 'valueOf', '', ' ', 'id', 'type', 'nodes', 'edges', 'params', 'format', ...UNICODE];

function randomScalar(r: Rng): Json {
  switch (r.int(12)) {
    case 0: return null;
    case 1: return r.chance(0.5);
    case 2: return r.int(2000) - 1000;
    case 3: return r.pick([0, -0, 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER + 2, 0.1 + 0.2]);
    case 4: return r.pick(UNICODE);
    case 5: return 'x'.repeat(r.int(300));
    case 6: return r.pick(['', ' ', 'core.manual-trigger', 'core.end', 'conveyor.flow/v1', 'conveyor.flow/v999', '../../etc/passwd', '<script>alert(1)</script>', '{{ constructor.constructor("return process")() }}', '$eval("1")']);
    case 7: return [];
    case 8: return {};
    case 9: return [randomScalar(r), randomScalar(r)];
    case 10: return { [r.pick(KEYS)]: randomScalar(r) };
    default: return String(r.next());
  }
}

/** A value of another JSON type than `v`. */
function otherType(r: Rng, v: Json): Json {
  const kind = Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
  const all: Json[] = [null, true, 42, 'text', [], {}, [1, 'two'], { a: 1 }];
  const options = all.filter((o) => (Array.isArray(o) ? 'array' : o === null ? 'null' : typeof o) !== kind);
  return r.pick(options);
}

function pollution(r: Rng): Json {
  const payload: Record<string, Json> = {};
  if (r.chance(0.5)) setOwn(payload, '__proto__', { polluted: 'yes', isAdmin: true });
  else setOwn(payload, 'constructor', { prototype: { polluted: 'yes' } });
  if (r.chance(0.3)) setOwn(payload, 'prototype', { polluted: 'yes' });
  return payload;
}

/** One structural mutation of the parsed document, in place (returns the new root when it changes). */
function mutate(r: Rng, root: Json): Json {
  const all = slots(root);
  const slot = all.length ? r.pick(all) : null;
  const set = (value: Json) => {
    if (!slot) return;
    if (Array.isArray(slot.parent)) slot.parent[slot.key as number] = value;
    else setOwn(slot.parent, slot.key as string, value);
  };
  switch (r.int(11)) {
    case 0: // delete a field / element
      if (slot) Array.isArray(slot.parent) ? slot.parent.splice(slot.key as number, 1) : delete slot.parent[slot.key as string];
      return root;
    case 1: { // insert a field / element
      const c = r.pick(containers(root));
      if (Array.isArray(c)) c.splice(r.int(c.length + 1), 0, randomScalar(r));
      else if (c) setOwn(c, r.pick(KEYS), randomScalar(r));
      return root;
    }
    case 2: // change the type
      if (slot) set(otherType(r, (slot.parent as Record<string, Json>)[slot.key as string]));
      return root;
    case 3: // a random value of any type
      set(randomScalar(r));
      return root;
    case 4: // huge string (up to ~2 MB)
      set(r.pick(['A', 'é', '🚀', '\\', '"', '{{']).repeat(50_000 + r.int(500_000)));
      return root;
    case 5: // deep nesting, spliced in as text later
      set(DEEP);
      return root;
    case 6: // unicode everywhere in one container's string values
      for (const s of all) if (typeof (s.parent as Record<string, Json>)[s.key as string] === 'string' && r.chance(0.3)) {
        const p = s.parent as Record<string, Json>;
        p[s.key as string] = `${p[s.key as string]}${r.pick(UNICODE)}`;
      }
      return root;
    case 7: { // prototype-pollution keys at the root or somewhere inside
      const c: Json = r.chance(0.5) ? root : r.pick(containers(root));
      const p = pollution(r) as Record<string, Json>;
      if (c && typeof c === 'object' && !Array.isArray(c)) for (const k of Object.keys(p)) setOwn(c, k, p[k]);
      else if (Array.isArray(c)) c.push(p);
      return root;
    }
    case 8: // duplicate a node or an edge (same ids twice)
      if (root && typeof root === 'object' && !Array.isArray(root)) {
        const list = root[r.pick(['nodes', 'edges'])];
        if (Array.isArray(list) && list.length) list.push(clone(r.pick(list)));
      }
      return root;
    case 9: // wrong top-level shape
      return r.pick<Json>([[root], { flow: root }, { ...(root as object), nodes: {} } as Json, { ...(root as object), edges: 'none' } as Json]);
    default: // huge arrays
      set(Array.from({ length: 1000 + r.int(20_000) }, (_, i) => (r.chance(0.5) ? i : { id: `n${i}` })));
      return root;
  }
}

function deepText(r: Rng): string {
  const depth = 1000 + r.int(60_000);
  if (r.chance(0.5)) return '['.repeat(depth) + ']'.repeat(depth);
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

interface Case {
  label: string;
  body: string | Uint8Array<ArrayBuffer>;
}

function makeCase(r: Rng, i: number): Case {
  const base = clone(EXAMPLES[i % EXAMPLES.length]);
  const kind = r.int(20);
  if (kind === 0) {
    // random bytes
    const bytes = new Uint8Array(1 + r.int(4000));
    for (let k = 0; k < bytes.length; k++) bytes[k] = r.int(256);
    if (r.chance(0.3)) bytes[0] = 0x7b; // starts like an object
    return { label: 'random bytes', body: bytes };
  }
  if (kind === 1) {
    const text = JSON.stringify(base);
    return { label: 'truncated JSON', body: text.slice(0, r.int(text.length)) };
  }
  if (kind === 2) {
    // text-level corruption: a character replaced, inserted or deleted
    const text = JSON.stringify(base);
    const at = r.int(text.length);
    const ch = r.pick(['"', '{', '}', '[', ']', ',', ':', '\\', '\u0000', 'x', '\n', '/*', 'NaN', 'undefined', "'"]);
    const op = r.int(3);
    const out = op === 0 ? text.slice(0, at) + ch + text.slice(at + 1) : op === 1 ? text.slice(0, at) + ch + text.slice(at) : text.slice(0, at) + text.slice(at + 1);
    return { label: 'corrupted JSON text', body: out };
  }
  if (kind === 3) {
    return { label: 'top-level wrong type', body: r.pick(['null', 'true', '42', '"a flow"', '[]', '[{}]', '{}', '""', '-0', '1e999']) };
  }
  if (kind === 4) {
    return { label: 'deep nesting (whole body)', body: deepText(r) };
  }
  if (kind === 5) {
    // prototype pollution as raw text, including keys JSON.stringify would never write twice
    const text = JSON.stringify(base);
    const payload = r.pick(['"__proto__":{"polluted":"yes"}', '"constructor":{"prototype":{"polluted":"yes"}}', '"__proto__":{"__proto__":{"polluted":"yes"}}', '"nodes":[],"nodes":[{"__proto__":{"polluted":"yes"}}]']);
    return { label: 'prototype pollution (text)', body: `{${payload},${text.slice(1)}` };
  }
  let doc = base;
  const n = 1 + r.int(4);
  const labels: string[] = [];
  for (let m = 0; m < n; m++) {
    const before = doc;
    doc = mutate(r, doc);
    labels.push(before === doc ? 'mutation' : 'reshape');
  }
  let text = JSON.stringify(doc);
  const marker = JSON.stringify(DEEP);
  if (text.includes(marker)) text = text.split(marker).join(deepText(r));
  return { label: `${n} structural mutation(s)`, body: text };
}

let server: RunningServer;
let dataDir: string;

async function post(body: string | Uint8Array<ArrayBuffer>) {
  const res = await fetch(`${server.url}/api/flows/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* checked below */
  }
  return { status: res.status, text, json };
}

/** What the server's JSON parser makes of the body: an object/array (validated) or not JSON at all. */
function parsesAsContainer(body: string | Uint8Array<ArrayBuffer>): boolean {
  try {
    const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
    const v = JSON.parse(text.trimStart().replace(/^\uFEFF/, ''));
    return v !== null && typeof v === 'object';
  } catch {
    return false;
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-fuzz-'));
  server = await startServer({ port: 0, host: '127.0.0.1', dataDir, clientDir: path.join(dataDir, 'no-client') });
});
afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('flow import fuzzing', () => {
  it(`answers ${CASES} mutated and malformed flow files with a coded 4xx, stores nothing invalid and stays up`, async () => {
    expect(EXAMPLES.length).toBeGreaterThan(2);
    const listBefore = await fetch(`${server.url}/api/flows`).then((r) => r.json());
    const r = prng(SEED);
    let stored = 0;
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const c = makeCase(r, i);
      const res = await post(c.body);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      const where = `case ${i} (${c.label}, seed ${SEED}): ${res.status} ${res.text.slice(0, 200)}`;
      if (res.status === 201) {
        // The mutation left a valid flow (e.g. it only changed a name): it is stored, and readable.
        stored++;
        if (!res.json?.id || !res.json?.flow) failures.push(`${where} — 201 without a flow entry`);
        continue;
      }
      if (res.status >= 500 || res.status < 400) failures.push(`${where} — not a 4xx`);
      else if (typeof res.json?.error?.code !== 'string' || !/^E_[A-Z_]+$/.test(res.json.error.code) || typeof res.json.error.message !== 'string' || !res.json.error.message) {
        failures.push(`${where} — no JSON error code and message`);
      } else if (/\n\s+at /.test(res.text)) failures.push(`${where} — a stack trace reached the client`);
      else if (parsesAsContainer(c.body)) {
        if (res.status !== 422 || res.json.error.code !== 'E_FLOW_INVALID' || !Array.isArray(res.json.error.problems) || res.json.error.problems.length === 0) {
          failures.push(`${where} — JSON that parses must be 422 E_FLOW_INVALID with problems`);
        }
      } else if (res.status !== 400 && res.status !== 413) failures.push(`${where} — a body that is not a JSON object or array must be 400`);
      if (failures.length > 10) break;
    }
    expect(failures).toEqual([]);
    const listAfter = await fetch(`${server.url}/api/flows`).then((res) => res.json());
    expect(listAfter.length).toBe(listBefore.length + stored);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).isAdmin).toBeUndefined();
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(200);
    expect((await health.json()).ok).toBe(true);
    // The mix really exercised the validator (and the parser), not only one path.
    expect(statuses.get(422) ?? 0).toBeGreaterThan(CASES / 2);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(50);
  }, 60_000);

  it('answers malformed requests around the body (charset, encoding, broken gzip, bad URL escapes) with a coded 4xx', async () => {
    const before = (await fetch(`${server.url}/api/flows`).then((res) => res.json())).length;
    const flow = readFileSync(path.join('flows', readdirSync('flows').filter((f) => f.endsWith('.json')).sort()[0]), 'utf8');
    const cases: Array<{ url?: string; headers: Record<string, string>; body?: string; status: number; code: string }> = [
      { headers: { 'content-type': 'application/json; charset=latin9' }, body: flow, status: 415, code: 'E_BODY_INVALID' },
      { headers: { 'content-type': 'application/json', 'content-encoding': 'bogus' }, body: flow, status: 415, code: 'E_BODY_INVALID' },
      { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: flow, status: 400, code: 'E_REQUEST_INVALID' },
      { headers: { 'content-type': 'application/json', 'content-encoding': 'br' }, body: 'not brotli', status: 400, code: 'E_REQUEST_INVALID' },
      { url: '/api/flows/%E0%A4%A', headers: {}, status: 400, code: 'E_REQUEST_INVALID' },
      { url: '/api/flows/import?onConflict=%ZZ', headers: { 'content-type': 'application/json' }, body: flow, status: 400, code: 'E_QUERY_INVALID' },
    ];
    for (const c of cases) {
      const res = await fetch(server.url + (c.url ?? '/api/flows/import'), { method: c.body === undefined ? 'GET' : 'POST', headers: c.headers, body: c.body });
      const text = await res.text();
      expect(res.status, `${c.url ?? 'import'} ${JSON.stringify(c.headers)}: ${text}`).toBe(c.status);
      expect(JSON.parse(text).error.code).toBe(c.code);
      expect(text).not.toMatch(/\n\s+at /);
    }
    expect((await fetch(`${server.url}/api/flows`).then((res) => res.json())).length).toBe(before);
  });
});
