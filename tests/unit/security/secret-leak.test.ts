import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../../server/main.ts';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import { MASK } from '../../../server/engine/secret-masker.ts';
import { folderFiles } from '../../support/data-folder.ts';

/**
 * "Secrets stay secret" (SPEC §7), end to end: a real server, a credential created through the
 * API, a flow whose HTTP request sends it to a local echo server that sends it straight back;
 * then every way out of Conveyor (live updates, REST answers, report, .xlsx, export, CLI output,
 * every file under DATA_DIR) is searched for the secret in all its forms.
 */

// Characters that change under URL-encoding and make the base64 form distinct.
const SECRET = `sk-live-${randomBytes(18).toString('hex')}/+=&%`;
const FORMS: Record<string, string> = {
  raw: SECRET,
  'URL-encoded': encodeURIComponent(SECRET),
  'form-encoded': new URLSearchParams({ s: SECRET }).toString().slice(2),
  base64: Buffer.from(SECRET).toString('base64'),
  'base64 (unpadded)': Buffer.from(SECRET).toString('base64').replace(/=+$/, ''),
  base64url: Buffer.from(SECRET).toString('base64url'),
  'base64 of the header': Buffer.from(`Bearer ${SECRET}`).toString('base64'),
  'base64url of the header': Buffer.from(`Bearer ${SECRET}`).toString('base64url'),
  'hex of the header': Buffer.from(`Bearer ${SECRET}`).toString('hex'),
  'HEX of the key': Buffer.from(SECRET).toString('hex').toUpperCase(),
  // A 200-character quote of the answer that stops inside the key.
  'start of the key before a cut': SECRET.slice(0, 12),
  'AUTH PLAIN blob': Buffer.from(`\0catchall\0${SECRET}`).toString('base64').slice(0, -4),
};

/** What the echo server saw: every request's headers (its own log). */
const received: IncomingHttpHeaders[] = [];
let echo: Server;
let echoUrl: string;
let server: RunningServer | null = null;
let dataDir: string;
const savedKey = process.env.CONVEYOR_SECRET_KEY;

/** Every piece of output collected, by where it came from. */
const outputs: Array<{ where: string; bytes: Buffer }> = [];
const collect = (where: string, value: unknown) => outputs.push({ where, bytes: Buffer.isBuffer(value) ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8') });

async function api<T = any>(method: string, url: string, body?: unknown): Promise<{ status: number; body: T; raw: Buffer }> {
  // Like the studio's page: a browser sends its Origin with every change (credential edits need it).
  const headers: Record<string, string> = { ...(method === 'GET' ? {} : { origin: server!.url }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
  const res = await fetch(server!.url + url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const raw = Buffer.from(await res.arrayBuffer());
  collect(`${method} ${url}`, raw);
  let parsed: unknown = null;
  try {
    parsed = raw.length ? JSON.parse(raw.toString('utf8')) : null;
  } catch {
    parsed = null;
  }
  return { status: res.status, body: parsed as T, raw };
}

/** Every file under `dir`, each as its bytes. */
function snapshotFiles(dir: string, label: string): number {
  let n = 0;
  // The store's files unpacked too: a secret inside a deflated frame would not show in the raw bytes.
  for (const f of folderFiles(dir)) {
    collect(`${label}: ${path.relative(dir, f.path)}`, f.bytes);
    n++;
  }
  return n;
}

/** The decompressed entries of a zip file (an .xlsx), from its central directory. */
function unzip(zip: Buffer): Array<{ name: string; data: Buffer }> {
  let eocd = -1;
  for (let i = zip.length - 22; i >= 0; i--) if (zip.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  if (eocd < 0) throw new Error('not a zip file');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries: Array<{ name: string; data: Buffer }> = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('bad central directory');
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLen = zip.readUInt16LE(at + 28);
    const extraLen = zip.readUInt16LE(at + 30);
    const commentLen = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLen).toString('utf8');
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + size);
    entries.push({ name, data: method === 8 ? inflateRawSync(raw) : Buffer.from(raw) });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/conveyor.js', ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

function flowDoc(): FlowDocument {
  return {
    format: FLOW_FORMAT,
    id: 'flow_secret_leak',
    name: 'Secret leak check',
    description: 'Calls an echo server with a credential; logs and copies what comes back.',
    // The echo service listens on this computer: the flow allows it, as a user would.
    settings: { concurrency: 1, allowHosts: ['127.0.0.1'] },
    nodes: [
      { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: '[{"id": 1, "fail": 0}, {"id": 2, "fail": 1}, {"id": 3, "fail": 2}, {"id": 4, "fail": 3}]' } },
      // A pause first, so the test's socket has joined the run before the secret is used.
      { id: 'wait', type: 'core.delay', position: { x: 200, y: 0 }, params: { ms: 400 } },
      { id: 'call', type: 'core.http-request', position: { x: 400, y: 0 }, params: { method: 'GET', url: `${echoUrl}/echo?id={{ id }}&fail={{ fail }}`, credential: 'Echo API' } },
      { id: 'log', type: 'core.log', position: { x: 600, y: 0 }, params: { level: 'info', message: 'Echo answered: {{ response.body }}' } },
      { id: 'copy', type: 'core.set-fields', position: { x: 800, y: 0 }, params: { fields: [{ name: 'echoed', value: 'response.body.authorization' }], keepOtherFields: true } },
    ],
    edges: [
      { id: 'e1', source: 'trigger', sourcePort: 'out', target: 'wait', targetPort: 'in' },
      { id: 'e2', source: 'wait', sourcePort: 'out', target: 'call', targetPort: 'in' },
      { id: 'e3', source: 'call', sourcePort: 'out', target: 'log', targetPort: 'in' },
      { id: 'e4', source: 'log', sourcePort: 'out', target: 'copy', targetPort: 'in' },
    ],
  };
}

beforeAll(async () => {
  delete process.env.CONVEYOR_SECRET_KEY; // the server generates DATA_DIR/secret.key
  echo = createServer((req, res) => {
    received.push(req.headers);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    // The secret first, so that an error message quoting the start of the body quotes it too.
    let body = JSON.stringify({ authorization: req.headers.authorization ?? null, url: req.url, headers: req.headers });
    const auth = String(req.headers.authorization ?? '');
    const fail = url.searchParams.get('fail');
    // fail=2: an answer whose 200-character quote in the error ends 12 characters into the key.
    if (fail === '2') body = `${'x'.repeat(200 - 12 - 'Bearer '.length)}${auth}`;
    // fail=3 (a success): the header echoed as hex and base64url, and an AUTH PLAIN blob built from the key.
    if (fail === '3') body = JSON.stringify({ hex: Buffer.from(auth).toString('hex'), b64u: Buffer.from(auth).toString('base64url'), plain: Buffer.from(`\0catchall\0${SECRET}`).toString('base64') });
    res.writeHead(fail === '1' || fail === '2' ? 401 : 200, { 'content-type': 'application/json', 'x-echo-auth': auth });
    res.end(body);
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-secret-leak-'));
  server = await startServer({ port: 0, dataDir, clientDir: path.join(dataDir, 'no-client') });
});

afterAll(async () => {
  await server?.close();
  echo?.closeAllConnections();
  await new Promise<void>((resolve) => echo.close(() => resolve()));
  if (savedKey !== undefined) process.env.CONVEYOR_SECRET_KEY = savedKey;
});

describe('secrets stay secret', () => {
  it('a credential used by a flow never leaves Conveyor, in any form, anywhere', async () => {
    // 1. The credential, through the API.
    const created = await api('POST', '/api/credentials', {
      name: 'Echo API',
      kind: 'api_key',
      fields: { header: 'Authorization', prefix: 'Bearer ' },
      secrets: { key: SECRET },
      scope: { nodeTypes: ['core.http-request'], hosts: ['127.0.0.1'] },
    });
    expect(created.status).toBe(201);
    expect(created.body.secrets).toEqual({ key: { set: true } });
    expect((await api('GET', '/api/credentials')).body).toHaveLength(1);
    await api('GET', `/api/credentials/${created.body.id}`);
    const kinds = await api('GET', '/api/credentials/kinds');
    expect(kinds.body.find((k: any) => k.kind === 'api_key').schema.properties.key.writeOnly).toBe(true);
    // An edit that leaves the secret out keeps it.
    expect((await api('PUT', `/api/credentials/${created.body.id}`, { fields: { prefix: 'Bearer ' } })).status).toBe(200);
    // A refused edit (a bad header) says what is wrong without quoting the secret it was sent with.
    const refused = await api('PUT', `/api/credentials/${created.body.id}`, { fields: { header: 'Bad Header' }, secrets: { key: SECRET } });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('E_CREDENTIAL_INVALID');
    expect(statSync(path.join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600);

    // 2. The flow (it holds the credential's name only) and its run, watched live.
    const imported = await api('POST', '/api/flows/import?onConflict=replace', flowDoc());
    expect(imported.status).toBe(201);
    expect(JSON.stringify(imported.body.flow)).toContain('"credential":"Echo API"');
    const socket: Socket = connect(server!.url, { transports: ['websocket'], forceNew: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const updates: unknown[] = [];
    const finished = new Promise<void>((resolve) => {
      socket.on('run:update', (u: { final: boolean }) => {
        updates.push(u);
        if (u.final) resolve();
      });
    });
    const started = await api('POST', '/api/runs', { flowId: 'flow_secret_leak' });
    expect(started.status).toBe(201);
    const runId: string = started.body.id;
    socket.emit('run:join', runId);
    await Promise.race([finished, new Promise((_, reject) => setTimeout(() => reject(new Error('the run did not finish')), 20_000))]);
    socket.close();
    collect('Socket.IO run:update', updates);
    expect(updates.length).toBeGreaterThan(1);
    const liveLogs = updates.flatMap((u: any) => u.logs.map((l: any) => l.message));
    expect(liveLogs.some((m: string) => m.startsWith('Echo answered:'))).toBe(true);

    // 3. Everything the API tells about the run.
    const run = await api('GET', `/api/runs/${runId}`);
    expect(run.body.status).toBe('completed');
    expect(run.body.counts).toMatchObject({ success: 2, failed: 2 });
    await api('GET', '/api/runs');
    await api('GET', `/api/runs/${runId}/records`);
    const ok = await api('GET', `/api/runs/${runId}/records/0`);
    const failed = await api('GET', `/api/runs/${runId}/records/1`);
    const logs = await api('GET', `/api/runs/${runId}/logs?limit=1000`);
    await api('GET', `/api/review?runId=${runId}`);
    await api('GET', `/api/runs/${runId}/report`);
    const xlsx = await api('GET', `/api/runs/${runId}/report.xlsx`);
    for (const entry of unzip(xlsx.raw)) collect(`report.xlsx: ${entry.name}`, entry.data);
    const exported = await api('GET', '/api/flows/flow_secret_leak/export');

    // The value did travel, masked: the echo's answer, the log line, the copied field, the error.
    expect(ok.body.record.output.echoed).toBe(`Bearer ${MASK}`);
    expect(ok.body.record.output.response.headers['x-echo-auth']).toBe(`Bearer ${MASK}`);
    expect(ok.body.steps.find((s: any) => s.nodeId === 'call').output[0].data.response.body.headers.authorization).toBe(`Bearer ${MASK}`);
    expect(logs.body.items.some((l: any) => l.message.includes(`"authorization":"Bearer ${MASK}"`))).toBe(true);
    expect(failed.body.record.error.code).toBe('E_HTTP_STATUS');
    expect(failed.body.record.error.message).toContain(`Bearer ${MASK}`);
    // The quote that stops inside the key shows where it was cut, not the key's first characters.
    const cut = await api('GET', `/api/runs/${runId}/records/2`);
    expect(cut.body.record.error.message).toContain(`Bearer ${MASK}…`);
    // Derived forms in an answer are masked, around the secret's place in them.
    const derived = (await api('GET', `/api/runs/${runId}/records/3`)).body.record.output.response.body;
    for (const value of Object.values(derived as Record<string, string>)) expect(value).toContain(MASK);

    // 4. Every file under DATA_DIR while the server runs (journal), and after it closed (snapshot).
    expect(snapshotFiles(dataDir, 'DATA_DIR (running)')).toBeGreaterThan(3);
    await server!.close();
    server = null;
    snapshotFiles(dataDir, 'DATA_DIR (closed)');

    // 5. The command line on the same DATA_DIR and key file, with the exported flow.
    const flowFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'conveyor-secret-flow-')), 'flow.json');
    writeFileSync(flowFile, exported.raw);
    const env = { ...process.env };
    delete env.CONVEYOR_SECRET_KEY;
    // Asynchronously: the echo server lives in this process and must keep answering.
    const cli = await runCli(['run', flowFile, '--json', '--data-dir', dataDir], env);
    collect('CLI stdout', cli.stdout);
    collect('CLI stderr', cli.stderr);
    expect(cli.status, cli.stderr).toBe(1); // record 2 fails on purpose
    const summary = JSON.parse(cli.stdout);
    expect(summary.counts).toMatchObject({ success: 2, failed: 2 });
    expect(summary.report.errors[0].example).toContain(MASK);
    snapshotFiles(dataDir, 'DATA_DIR (after the CLI)');

    // The secret WAS used: the echo server got it on every call (4 by the server, 4 by the CLI).
    const sent = received.filter((h) => h.authorization === `Bearer ${SECRET}`);
    expect(sent).toHaveLength(8);

    // 6. Zero hits, in every form, in everything collected.
    const hits: string[] = [];
    for (const { where, bytes } of outputs) {
      for (const [form, needle] of Object.entries(FORMS)) if (bytes.includes(Buffer.from(needle, 'utf8'))) hits.push(`${form} in ${where}`);
    }
    expect(outputs.length).toBeGreaterThan(25);
    expect(outputs.some((o) => o.where.includes('vault.json'))).toBe(true);
    expect(outputs.some((o) => /journal|\.db/.test(o.where))).toBe(true);
    expect(hits).toEqual([]);
  }, 90_000);
});
