import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { afterEach, describe, expect, it } from 'vitest';
import { defineNode, defineTrigger, out } from '../../../nodes/sdk/define-node.ts';
import { NodeError } from '../../../server/contract/node-error.ts';
import { NodeRegistry } from '../../../nodes/registry.ts';
import { Engine } from '../../../server/engine/engine.ts';
import type { EngineEvent } from '../../../server/engine/events.ts';
import { hostMatches, type StoredCredential } from '../../../server/engine/credentials.ts';
import { MASK, SecretMasker, secretForms } from '../../../server/engine/secret-masker.ts';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import type { Store } from '../../../server/store/types.ts';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import { folderText } from '../../support/data-folder.ts';

const SECRET = 'p@ss w/rd+&=?"x';
const USER = 'ada';

/** A node that does everything wrong with a secret: returns it, logs it, throws it, attaches it. */
const leaky = defineNode({
  type: 'test.leaky',
  title: 'Leaky',
  category: 'Network',
  description: 'uses a credential badly',
  effect: 'none',
  params: z.object({ credential: z.string().default(''), host: z.string().optional(), fail: z.boolean().default(false) }),
  inputs: [{ id: 'in', label: 'In' }],
  outputs: [{ id: 'out', label: 'Out' }],
  credentials: [{ name: 'credential', kind: 'basic' }],
  async run(ctx) {
    const c = await ctx.credentials.get(ctx.params.credential, ctx.params.host ? { host: ctx.params.host } : {});
    const pw = c.secrets.password;
    const basic = Buffer.from(`${c.fields.username}:${pw}`).toString('base64');
    ctx.log.info(`password ${pw}, url ${encodeURIComponent(pw)}, header Basic ${basic}`, { pw, nested: [{ b64: Buffer.from(pw).toString('base64') }] });
    await ctx.evidence.attach('request.txt', `Authorization: Basic ${basic}\npassword=${pw}`, 'text/plain');
    if (ctx.params.fail) throw new NodeError('E_LEAKY', `login with ${pw} refused`, `try another than ${JSON.stringify(pw).slice(1, -1)}`);
    return out({ ...ctx.input, pw, [pw]: 'key', auth: `Basic ${basic}`, json: JSON.stringify({ pw }) });
  },
});

const other = defineNode({
  type: 'test.other',
  title: 'Other',
  category: 'Network',
  description: 'asks for a credential',
  effect: 'none',
  params: z.object({ credential: z.string().default(''), host: z.string().optional() }),
  inputs: [{ id: 'in', label: 'In' }],
  outputs: [{ id: 'out', label: 'Out' }],
  async run(ctx) {
    await ctx.credentials.get(ctx.params.credential, { host: ctx.params.host, kind: 'api_key' });
    return out(ctx.input);
  },
});

const trigger = defineTrigger({
  type: 'test.trigger',
  title: 'Trigger',
  category: 'Triggers',
  description: 'one record',
  effect: 'none',
  params: z.object({}),
  outputs: [{ id: 'out', label: 'Out' }],
  records: () => [{ n: 1 }],
});

const creds: StoredCredential[] = [
  { id: 'c1', name: 'Site', kind: 'basic', fields: { username: USER }, secrets: { password: SECRET }, scope: { nodeTypes: ['test.leaky'] } },
  { id: 'c2', name: 'Scoped', kind: 'basic', fields: { username: USER }, secrets: { password: 'other-secret' }, scope: { nodeTypes: ['test.leaky', 'test.other'], hosts: ['api.example.com', '*.example.org:8443'] } },
  { id: 'c3', name: 'Key', kind: 'api_key', fields: {}, secrets: { key: 'kkkk-1234' }, scope: { nodeTypes: ['test.leaky', 'test.other'] } },
  // Credentials that name their own server (like IMAP/SMTP): their host is the one checked.
  { id: 'c4', name: 'OwnHost', kind: 'basic', fields: { username: USER, host: 'api.example.com', port: 993 }, secrets: { password: 'third-secret' }, scope: { nodeTypes: ['test.leaky'], hosts: ['api.example.com'] } },
  { id: 'c5', name: 'OwnHostElsewhere', kind: 'basic', fields: { username: USER, host: 'mail.example.net' }, secrets: { password: 'fourth-secret' }, scope: { nodeTypes: ['test.leaky'], hosts: ['api.example.com'] } },
];

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup) await c();
  cleanup = [];
});

async function setup(): Promise<{ dir: string; store: Store; engine: Engine; events: EngineEvent[] }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-creds-'));
  const store = await openSqlJsStore(path.join(dir, 'store'));
  const engine = new Engine({
    store,
    registry: new NodeRegistry([trigger, leaky, other]),
    dataDir: dir,
    credentials: { lookup: async (name) => structuredClone(creds.find((c) => c.name === name) ?? null) },
  });
  const events: EngineEvent[] = [];
  engine.on((e) => events.push(e));
  cleanup.push(async () => {
    await engine.shutdown();
    await store.close();
  });
  return { dir, store, engine, events };
}

function flow(type: string, params: Record<string, unknown>): FlowDocument {
  return {
    format: FLOW_FORMAT,
    id: 'f1',
    name: 'Credentials',
    description: '',
    settings: { concurrency: 1 },
    nodes: [
      { id: 't', type: 'test.trigger', position: { x: 0, y: 0 }, params: {} },
      { id: 'use', type, position: { x: 200, y: 0 }, params },
    ],
    edges: [{ id: 'e1', source: 't', sourcePort: 'out', target: 'use', targetPort: 'in' }],
  };
}

async function runOnce(type: string, params: Record<string, unknown>) {
  const h = await setup();
  const run = await h.engine.startRun(flow(type, params));
  await h.engine.waitForRun(run.id);
  const record = (await h.store.getRecord(run.id, 0))!;
  // As a person sees them: the trigger's step (not stored) first.
  const steps = await h.engine.recordSteps(record);
  const logs = (await h.store.listLogs(run.id)).items;
  return { ...h, run, record, steps, logs };
}

/** Every byte under `dir`, the store's files unpacked too (tests/support/data-folder.ts). */
const files = folderText;

const forms = (s: string) => [s, encodeURIComponent(s), Buffer.from(s).toString('base64'), Buffer.from(`${USER}:${s}`).toString('base64'), JSON.stringify(s).slice(1, -1)];

describe('credentials in the engine', () => {
  it('masks a secret and its encoded forms in step outputs, record output, logs, evidence and events', async () => {
    const r = await runOnce('test.leaky', { credential: 'Site' });
    expect(r.record.status).toBe('success');
    const everything = JSON.stringify({ record: r.record, steps: r.steps, logs: r.logs, events: r.events });
    for (const f of forms(SECRET)) expect(everything).not.toContain(f);
    expect(r.record.output).toMatchObject({ pw: MASK, [MASK]: 'key', auth: `Basic ${MASK}` });
    expect(r.logs.find((l) => l.nodeId === 'use')).toMatchObject({ message: `password ${MASK}, url ${MASK}, header Basic ${MASK}`, data: { pw: MASK, nested: [{ b64: MASK }] } });
    await r.store.close().catch(() => undefined);
    const disk = files(r.dir);
    const latin1 = (t: string) => Buffer.from(t).toString('latin1');
    expect(disk.includes(latin1(`password=${MASK}`)), 'masked evidence on disk').toBe(true);
    for (const f of forms(SECRET)) expect(disk.includes(latin1(f)), `${f} on disk`).toBe(false);
  });

  it('masks the secret in a failed step\'s error and the record\'s error', async () => {
    const r = await runOnce('test.leaky', { credential: 'Site', fail: true });
    expect(r.record.status).toBe('failed');
    expect(r.record.error).toMatchObject({ code: 'E_LEAKY', message: `login with ${MASK} refused`, hint: `try another than ${MASK}` });
    expect(r.steps[1].error?.message).toBe(`login with ${MASK} refused`);
    const everything = JSON.stringify({ record: r.record, steps: r.steps, logs: r.logs, events: r.events });
    for (const f of forms(SECRET)) expect(everything).not.toContain(f);
  });

  it('enforces the scope: node type, host (exact or *.domain, port), kind, and unknown names', async () => {
    const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
      ['test.other', { credential: 'Site' }, 'E_CREDENTIAL_KIND', /kind basic/],
      ['test.other', { credential: 'Nope' }, 'E_CREDENTIAL_NOT_FOUND', /no credential with that name/],
      ['test.leaky', { credential: 'Key' }, 'E_CREDENTIAL_KIND', /needs basic/],
      ['test.leaky', { credential: 'Scoped' }, 'E_CREDENTIAL_SCOPE', /did not say which host/],
      ['test.leaky', { credential: 'Scoped', host: 'evil.com' }, 'E_CREDENTIAL_SCOPE', /to evil\.com, but it may only be sent to api\.example\.com, \*\.example\.org:8443/],
      ['test.leaky', { credential: 'Scoped', host: 'a.example.org' }, 'E_CREDENTIAL_SCOPE', /may only be sent/],
      ['test.leaky', { credential: 'OwnHostElsewhere' }, 'E_CREDENTIAL_SCOPE', /to mail\.example\.net, but it may only be sent to api\.example\.com/],
    ];
    for (const [type, params, code, message] of cases) {
      const r = await runOnce(type, params);
      expect(r.record.status, JSON.stringify(params)).toBe('failed');
      expect(r.record.error?.code, JSON.stringify(params)).toBe(code);
      expect(r.record.error?.message).toMatch(message);
      expect(r.record.error?.hint).toBeTruthy();
    }
    const otherType = await runOnce('test.other', { credential: 'Key' });
    expect(otherType.record.status).toBe('success');
    const ok = await runOnce('test.leaky', { credential: 'Scoped', host: 'API.example.com' });
    expect(ok.record.status).toBe('success');
    const sub = await runOnce('test.leaky', { credential: 'Scoped', host: 'x.y.example.org:8443' });
    expect(sub.record.status).toBe('success');
    const own = await runOnce('test.leaky', { credential: 'OwnHost' });
    expect(own.record.status).toBe('success');
  });

  it('refuses a credential to a node type outside its scope', async () => {
    const h = await setup();
    const doc = flow('test.other', { credential: 'Site', host: 'x' });
    creds[0].kind = 'api_key';
    try {
      const run = await h.engine.startRun(doc);
      await h.engine.waitForRun(run.id);
      const record = await h.store.getRecord(run.id, 0);
      expect(record?.error).toMatchObject({ code: 'E_CREDENTIAL_SCOPE' });
      expect(record?.error?.message).toMatch(/\(test\.other\) may not use the credential "Site": its scope allows only test\.leaky/);
    } finally {
      creds[0].kind = 'basic';
    }
  });
});

describe('secret masker', () => {
  it('masks every registered form, longest first, and leaves short or unknown text alone', () => {
    const m = new SecretMasker();
    expect(m.active).toBe(false);
    const value = { a: 'x' };
    expect(m.maskJson(value)).toBe(value);
    m.add(SECRET);
    m.add('abc');
    expect(m.mask('abc')).toBe('abc');
    for (const f of secretForms(SECRET)) expect(m.mask(`[${f}]`)).toBe(`[${MASK}]`);
    expect(m.mask(Buffer.from(SECRET).toString('base64'))).toBe(MASK);
    expect(m.maskJson({ list: [SECRET, 1, null, true], [SECRET]: { deep: `is ${SECRET}` } })).toEqual({ list: [MASK, 1, null, true], [MASK]: { deep: `is ${MASK}` } });
    expect(m.maskError({ code: 'E_X', message: SECRET, hint: 'h', transient: false })).toEqual({ code: 'E_X', message: MASK, hint: 'h', transient: false });
  });

  it('matches hosts exactly or by *.domain, with an optional port', () => {
    expect(hostMatches('api.example.com', 'api.example.com')).toBe(true);
    expect(hostMatches('API.Example.com.', 'api.example.com')).toBe(true);
    expect(hostMatches('api.example.com:8080', 'api.example.com')).toBe(true);
    expect(hostMatches('api.example.com:8080', 'api.example.com:8443')).toBe(false);
    expect(hostMatches('api.example.com', 'api.example.com:8443')).toBe(false);
    expect(hostMatches('a.b.example.com', '*.example.com')).toBe(true);
    expect(hostMatches('example.com', '*.example.com')).toBe(false);
    expect(hostMatches('evilexample.com', '*.example.com')).toBe(false);
    expect(hostMatches('example.com.evil.net', 'example.com')).toBe(false);
    expect(hostMatches('127.0.0.1:4000', '127.0.0.1')).toBe(true);
    expect(hostMatches('[::1]:4000', '[::1]')).toBe(true);
  });
});
