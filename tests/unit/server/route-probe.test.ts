import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRoutes, scoringFlow, startTestServer } from './support.ts';

/**
 * Every route the studio serves — listed from Express itself (`app.router.listRoutes()`), so a route
 * added later is probed too — meets ids that do not exist, hostile path segments, broken query
 * strings and malformed or mistyped bodies. Each answer must be the client's fault (4xx) with a
 * stable error code, a message and a hint, or a normal answer: never a 5xx, never E_INTERNAL. A
 * prototype-polluting body pollutes nothing, the studio stays healthy, and the flow and run the
 * probes aimed at are as they were (a refused request changes nothing).
 */

type Api = Awaited<ReturnType<typeof startTestServer>>;

/** Path segments no route expects: each must be refused or not found, never crash a handler. */
const HOSTILE_SEGMENTS = [
  'x'.repeat(5000),
  '%00',
  '..%2F..%2Fetc%2Fpasswd',
  '%E0%A4%A', // a broken %-escape
  '%F0%9F%98%80',
  '__proto__',
  'constructor',
  '-1',
  '1e999',
  '%20',
];

/** Query strings with wrong types, arrays where one value is expected, broken escapes, huge numbers. */
const HOSTILE_QUERIES = [
  '?limit=-1&offset=NaN&status=bogus&cursor=%ZZ',
  '?limit=1e309&offset=99999999999999999999999&since=yesterday&before=%00',
  '?limit[]=1&limit[]=2&status[]=x&status[a]=b&q[]=1',
  '?__proto__[polluted]=yes&constructor[prototype][polluted]=yes',
  `?q=${'a'.repeat(10000)}&cursor=${'b'.repeat(3000)}`,
  '?format=exe&onConflict=explode&sort=%27%3BDROP%20TABLE%20runs',
];

/** Bodies: broken JSON, JSON of the wrong kind, pollution attempts, wrong types, a wrong content type. */
const HOSTILE_BODIES: Array<{ body: string; type?: string }> = [
  { body: '{' },
  { body: `${'['.repeat(5000)}${']'.repeat(5000)}` },
  { body: 'null' },
  { body: '[]' },
  { body: '"text"' },
  { body: '12345678901234567890123' },
  { body: '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}' },
  { body: '{"name":{"$gt":""},"id":[1,2],"flow":123,"flowId":{},"records":"x","fields":{},"params":7,"index":"first","indexes":"all","action":null}' },
  // Nested values of the wrong kind: a list where text or an object is expected (scope.hosts as text crashed the credential test).
  { body: '{"scope":{"hosts":"x","nodeTypes":{}},"url":5,"settings":[],"input":"x","status":{},"fields":[],"secrets":"x"}' },
  { body: '{"name":"x"}', type: 'text/plain' },
  { body: '{"name":"x"}', type: 'application/json; charset=utf-7' },
];

describe('every route, probed with hostile input', () => {
  let s: Api;
  let flowId = '';
  let runId = '';
  let before: unknown;

  /** The state the probes aim at: the flow's document, the run's status and counts, its records. */
  const state = async () => {
    const flow = (await s.api('GET', `/api/flows/${flowId}`)).body;
    const run = (await s.api('GET', `/api/runs/${runId}`)).body;
    const records = (await s.api('GET', `/api/runs/${runId}/records`)).body;
    return { flow, run, records };
  };

  beforeAll(async () => {
    s = await startTestServer();
    const imported = await s.api('POST', '/api/flows/import', scoringFlow('flow_probed'));
    expect(imported.status).toBe(201);
    flowId = imported.body.id;
    const started = await s.api('POST', '/api/runs', { flowId, input: { records: [{ n: 3 }, { n: 9 }] } });
    expect(started.status).toBe(201);
    runId = started.body.id;
    for (let i = 0; i < 100 && (await s.api('GET', `/api/runs/${runId}`)).body.status !== 'completed'; i++) await new Promise((r) => setTimeout(r, 50));
    before = await state();
  });
  afterAll(async () => {
    await s?.close();
  });

  /** The real value of a path parameter, by the route it is in. */
  const realParam = (route: string, name: string): string => {
    if (name === 'id') return route.startsWith('/api/flows') ? flowId : route.includes('/runs/') ? runId : 'nope';
    if (name === 'runId') return runId;
    if (name === 'flowId') return flowId;
    if (name === 'index') return '0';
    if (name === 'nodeId') return 'score';
    return 'nope';
  };
  const fill = (route: string, pick: (name: string) => string) => route.replace(/:(\w+)/g, (_, name: string) => pick(name));

  it('answers each probe with a 4xx and a stable code, or normally — never a 5xx', async () => {
    const routes = listRoutes(s.app);
    // The probe reaches what the studio has (a route lost from the listing would go unprobed).
    expect(routes.length).toBeGreaterThan(60);
    for (const must of ['POST /api/runs', 'PUT /api/flows/:id', 'POST /api/review/actions', 'GET /api/runs/:id/records/:index', 'POST /hooks/:flowId/:name', 'GET /t/c/:token']) {
      expect(routes.map((r) => `${r.method} ${r.path}`)).toContain(must);
    }
    const failures: string[] = [];
    let sent = 0;
    const probe = async (method: string, url: string, body?: { body: string; type?: string }) => {
      sent++;
      const res = await fetch(s.url + url, {
        method,
        headers: { origin: s.url, ...(body ? { 'content-type': body.type ?? 'application/json' } : {}) },
        body: body?.body,
        redirect: 'manual',
      });
      const text = await res.text();
      const what = `${method} ${url.slice(0, 120)}${body ? ` ${body.body.slice(0, 60)}` : ''}`;
      if (res.status >= 500) failures.push(`${what} → ${res.status} ${text.slice(0, 200)}`);
      else if (res.status >= 400 && (res.headers.get('content-type') ?? '').includes('json')) {
        const error = (JSON.parse(text) as { error?: { code?: unknown; message?: unknown; hint?: unknown } }).error;
        const ok = typeof error?.code === 'string' && /^E_[A-Z0-9_]+$/.test(error.code) && error.code !== 'E_INTERNAL' && typeof error.message === 'string' && error.message.length > 0 && typeof error.hint === 'string' && error.hint.length > 0;
        if (!ok) failures.push(`${what} → ${res.status} without a code, message and hint: ${text.slice(0, 200)}`);
      }
    };

    for (const { method, path } of routes) {
      const params = [...path.matchAll(/:(\w+)/g)].map((m) => m[1]);
      const changes = method !== 'GET';
      // Ids that do not exist, and hostile segments, in every parameter in turn.
      for (const name of params) {
        for (const value of ['nope-404', ...HOSTILE_SEGMENTS]) {
          const url = fill(path, (n) => (n === name ? value : realParam(path, n)));
          // A change aimed at the real flow or run goes only with a body no handler may read.
          const safe = !changes || !params.some((n) => n !== name && [flowId, runId].includes(realParam(path, n)));
          await probe(method, url, changes ? (safe ? { body: '{"__proto__":{"polluted":"yes"}}' } : { body: '{' }) : undefined);
        }
      }
      const real = fill(path, (n) => realParam(path, n));
      if (!changes) {
        for (const q of HOSTILE_QUERIES) await probe(method, real + q);
        continue;
      }
      // Bodies: at the real flow and run only broken JSON, refused before any handler (a route that
      // reads no body, like DELETE, acts on any well-formed one); elsewhere (ids that do not exist,
      // routes without one) every hostile body.
      const aimed = params.some((n) => [flowId, runId].includes(realParam(path, n)));
      const target = aimed ? fill(path, () => 'nope-404') : real;
      for (const b of HOSTILE_BODIES) await probe(method, target, b);
      if (aimed) await probe(method, real, HOSTILE_BODIES[0]);
    }

    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(1000);
    // Nothing was polluted, the studio is healthy, and what the probes aimed at is unchanged.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await s.api('GET', '/api/health')).status).toBe(200);
    expect(await state()).toEqual(before);
  }, 120_000);
});
