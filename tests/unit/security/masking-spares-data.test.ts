import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../../server/main.ts';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import { MASK, SecretMasker } from '../../../server/engine/secret-masker.ts';
import { folderFiles } from '../../support/data-folder.ts';

/**
 * "Masking never changes data" (SPEC §7): a credential whose value also occurs inside the
 * operator's own record fields. The fields reach the website and every later step exactly as
 * given, and show unmasked in the studio; what a service echoes back of the secret is still
 * masked in the log, live events, API answers and every file of the store.
 */

const SECRET = 'acme7731';
const RECORDS = [
  { email: 'jo@acme7731.example', company: 'acme7731 trading', note: 'plain' },
  { email: 'ann@acme7731.example', company: 'Other', note: 'ref acme7731-b' },
];

interface Seen {
  path: string;
  query: Record<string, string>;
  authorization: string | null;
}
const seen: Seen[] = [];
let echo: Server;
let echoUrl: string;
let server: RunningServer | null = null;
let dataDir: string;

beforeAll(async () => {
  echo = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query = Object.fromEntries(url.searchParams);
    seen.push({ path: url.pathname, query, authorization: req.headers.authorization ?? null });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ authorization: req.headers.authorization ?? null, query }));
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-mask-spares-'));
  server = await startServer({ port: 0, dataDir, clientDir: path.join(dataDir, 'no-client') });
});

afterAll(async () => {
  await server?.close();
  echo?.closeAllConnections();
  await new Promise<void>((resolve) => echo.close(() => resolve()));
});

async function api<T = any>(method: string, url: string, body?: unknown): Promise<{ status: number; body: T; text: string }> {
  const res = await fetch(server!.url + url, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T, text };
}

function flowDoc(): FlowDocument {
  return {
    format: FLOW_FORMAT,
    id: 'flow_mask_spares',
    name: 'Masking spares data',
    description: 'Sends record fields with a credential whose value they contain; sends the echoed header on.',
    // The echo service listens on this computer: the flow allows it, as a user would.
    settings: { concurrency: 1, allowHosts: ['127.0.0.1'] },
    nodes: [
      { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: JSON.stringify(RECORDS) } },
      { id: 'wait', type: 'core.delay', position: { x: 200, y: 0 }, params: { ms: 300 } },
      { id: 'call', type: 'core.http-request', position: { x: 400, y: 0 }, params: { method: 'GET', url: `${echoUrl}/signup?email={{ email }}&company={{ company }}&note={{ note }}`, credential: 'Partner API' } },
      { id: 'log', type: 'core.log', position: { x: 600, y: 0 }, params: { level: 'info', message: 'Signed up {{ email }}; the partner answered {{ response.body }}' } },
      { id: 'copy', type: 'core.set-fields', position: { x: 800, y: 0 }, params: { fields: [{ name: 'echoed', value: 'response.body.authorization' }], keepOtherFields: true } },
      { id: 'again', type: 'core.http-request', position: { x: 1000, y: 0 }, params: { method: 'GET', url: `${echoUrl}/next?auth={{ echoed }}&email={{ email }}` } },
    ],
    edges: [
      { id: 'e1', source: 'trigger', sourcePort: 'out', target: 'wait', targetPort: 'in' },
      { id: 'e2', source: 'wait', sourcePort: 'out', target: 'call', targetPort: 'in' },
      { id: 'e3', source: 'call', sourcePort: 'out', target: 'log', targetPort: 'in' },
      { id: 'e4', source: 'log', sourcePort: 'out', target: 'copy', targetPort: 'in' },
      { id: 'e5', source: 'copy', sourcePort: 'out', target: 'again', targetPort: 'in' },
    ],
  };
}

describe('masking never changes data', () => {
  it('record fields that contain a secret reach the site, the next steps and the studio intact; echoed secrets are masked', async () => {
    const created = await api('POST', '/api/credentials', {
      name: 'Partner API',
      kind: 'api_key',
      fields: { header: 'Authorization', prefix: 'Bearer ' },
      secrets: { key: SECRET },
      scope: { nodeTypes: ['core.http-request'], hosts: ['127.0.0.1'] },
    });
    expect(created.status).toBe(201);
    expect((await api('POST', '/api/flows/import?onConflict=replace', flowDoc())).status).toBe(201);

    const socket: Socket = connect(server!.url, { transports: ['websocket'], forceNew: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const updates: any[] = [];
    const finished = new Promise<void>((resolve) => {
      socket.on('run:update', (u: { final: boolean }) => {
        updates.push(u);
        if (u.final) resolve();
      });
    });
    const started = await api('POST', '/api/runs', { flowId: 'flow_mask_spares' });
    expect(started.status).toBe(201);
    const runId: string = started.body.id;
    socket.emit('run:join', runId);
    await Promise.race([finished, new Promise((_, reject) => setTimeout(() => reject(new Error('the run did not finish')), 20_000))]);
    socket.close();

    // The site got the operator's fields exactly, and the next step got the real echoed header.
    const signups = seen.filter((s) => s.path === '/signup');
    expect(signups.map((s) => s.query)).toEqual(RECORDS);
    expect(signups.every((s) => s.authorization === `Bearer ${SECRET}`)).toBe(true);
    const next = seen.filter((s) => s.path === '/next');
    expect(next.map((s) => s.query)).toEqual(RECORDS.map((r) => ({ auth: `Bearer ${SECRET}`, email: r.email })));

    // The studio shows the fields as given, and the echoed secret masked.
    const run = await api('GET', `/api/runs/${runId}`);
    expect(run.body.counts).toMatchObject({ success: 2 });
    for (const [i, given] of RECORDS.entries()) {
      const rec = await api('GET', `/api/runs/${runId}/records/${i}`);
      expect(rec.body.record.data).toEqual(given);
      expect(rec.body.record.output).toMatchObject({ ...given, echoed: `Bearer ${MASK}` });
      expect(rec.body.record.output.response.body.query).toEqual({ auth: `Bearer ${MASK}`, email: given.email });
      const call = rec.body.steps.find((s: any) => s.nodeId === 'call');
      expect(call.output[0].data.response.body).toEqual({ authorization: `Bearer ${MASK}`, query: given });
      expect(rec.text).not.toContain(`Bearer ${SECRET}`);
    }
    const logs = await api('GET', `/api/runs/${runId}/logs?limit=1000`);
    const lines: string[] = logs.body.items.map((l: any) => l.message);
    for (const r of RECORDS) {
      const line = lines.find((m) => m.startsWith(`Signed up ${r.email};`));
      expect(line, r.email).toBeDefined();
      expect(line).toContain(`"authorization":"Bearer ${MASK}"`);
      expect(line).toContain(JSON.stringify(r.company));
    }
    const liveLines: string[] = updates.flatMap((u) => u.logs.map((l: any) => l.message));
    expect(liveLines.some((m) => m.startsWith(`Signed up ${RECORDS[0].email};`))).toBe(true);
    const report = await api('GET', `/api/runs/${runId}/report`);
    const exported = await api('GET', '/api/flows/flow_mask_spares/export');

    // Nowhere does the echoed secret appear; the store does hold the operator's fields.
    const told = [JSON.stringify(updates), logs.text, report.text, exported.text, run.text];
    await server!.close();
    server = null;
    // The store's files unpacked too (journal, snapshot and segments are deflated).
    const files = folderFiles(dataDir).map((f) => f.bytes);
    const echoed = [`Bearer ${SECRET}`, Buffer.from(`Bearer ${SECRET}`).toString('base64'), `Bearer%20${SECRET}`];
    for (const needle of echoed) {
      for (const text of told) expect(text).not.toContain(needle);
      for (const bytes of files) expect(bytes.includes(Buffer.from(needle))).toBe(false);
    }
    expect(files.some((bytes) => bytes.includes(Buffer.from(RECORDS[0].email)))).toBe(true);
  }, 60_000);
});

describe('SecretMasker.sparing', () => {
  const masker = new SecretMasker();
  masker.add('demo');
  masker.spareFlowText({ url: 'http://127.0.0.1:3100/demo/signup', domain: '@demo.conveyor.local' });
  const record = masker.sparing({ email: 'tester5@demo-run.test', password: 'demo' });

  it('spares a secret inside text the record or the flow was given', () => {
    expect(record.mask('Typed tester5@demo-run.test into #email')).toBe('Typed tester5@demo-run.test into #email');
    expect(record.mask('From: code@demo.conveyor.local')).toBe('From: code@demo.conveyor.local');
    expect(record.maskJson({ to: ['tester5@demo-run.test'] })).toEqual({ to: ['tester5@demo-run.test'] });
  });

  it('masks what is not such text: an echo, a given text that is the secret itself', () => {
    expect(record.mask('LOGIN catchall demo')).toBe(`LOGIN catchall ${MASK}`);
    expect(record.mask('password=demo&email=tester5@demo-run.test')).toBe(`password=${MASK}&email=tester5@demo-run.test`);
    expect(record.maskJson({ password: 'demo' })).toEqual({ password: MASK });
    // Another record's address is not this record's data.
    expect(record.mask('tester6@demo-run.test')).toBe(`tester6@${MASK}-run.test`);
  });
});

describe('SecretMasker derived forms', () => {
  const key = 'sk-test-4f1c9a7be2d0';
  const masker = new SecretMasker();
  masker.add(key);

  it('masks hex, and base64 / base64url of any blob built around the secret', () => {
    for (const blob of [`Bearer ${key}`, `\0user\0${key}`, `x${key}`, `xy${key}yx`]) {
      for (const encoded of [Buffer.from(blob).toString('base64'), Buffer.from(blob).toString('base64url'), Buffer.from(blob).toString('hex'), Buffer.from(blob).toString('hex').toUpperCase()]) {
        expect(masker.mask(`seen: ${encoded}`), `${JSON.stringify(blob)} as ${encoded}`).toContain(MASK);
      }
    }
  });

  it('masks the start of a secret that a cut-off quote ends with, whatever the record was given', () => {
    expect(masker.mask(`It said: "Bearer ${key.slice(0, 12)}…"`)).toBe(`It said: "Bearer ${MASK}…"`);
    expect(masker.mask(`It said: "${key.slice(0, 9)}..." and more`)).toBe(`It said: "${MASK}..." and more`);
    // Too short a start to tell from ordinary text, or no cut at all: left alone.
    expect(masker.mask('It said: "sk-…"')).toBe('It said: "sk-…"');
    expect(masker.mask(`A ${key.slice(0, 12)} without a cut`)).toBe(`A ${key.slice(0, 12)} without a cut`);
    const record = masker.sparing({ note: `ref ${key.slice(0, 10)}-legacy` });
    expect(record.mask(`Note: ref ${key.slice(0, 10)}…`)).toBe(`Note: ref ${MASK}…`);
  });
});
