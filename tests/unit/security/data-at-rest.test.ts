import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';

/**
 * Issue 12: under umask 022 the store, journal, uploads and evidence were 0644 in 0755 folders.
 * The studio and the CLI are started here with umask 022; every path under DATA_DIR and in a
 * backup must be 0700 (folders) / 0600 (files), and files left readable before are tightened at
 * start with one log line.
 */

let site: Server;
let siteUrl: string;
let studio: ChildProcess | null = null;
let studioLog = '';
const root = mkdtempSync(path.join(os.tmpdir(), 'conveyor-at-rest-'));
const dataDir = path.join(root, 'data');
const env = { ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', CONVEYOR_ALLOW_HOSTS: '127.0.0.1' /* the test site: allowed explicitly */ };

function modes(dir: string): Array<{ path: string; kind: 'dir' | 'file'; mode: number }> {
  const out: Array<{ path: string; kind: 'dir' | 'file'; mode: number }> = [];
  const visit = (p: string): void => {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return;
    out.push({ path: path.relative(root, p) || '.', kind: st.isDirectory() ? 'dir' : 'file', mode: st.mode & 0o777 });
    if (st.isDirectory()) for (const name of readdirSync(p)) visit(path.join(p, name));
  };
  visit(dir);
  return out;
}

const loose = (list: ReturnType<typeof modes>) => list.filter((e) => (e.mode & 0o077) !== 0).map((e) => `${e.path} ${e.mode.toString(8)}`);

beforeAll(async () => {
  site = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<h1 id="hello">Hello</h1>');
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  // A data folder left world-readable by an older version (or a copy made under umask 022).
  mkdirSync(path.join(dataDir, 'uploads'), { recursive: true });
  chmodSync(dataDir, 0o755);
  chmodSync(path.join(dataDir, 'uploads'), 0o755);
  writeFileSync(path.join(dataDir, 'uploads', 'old.csv'), 'a\n1\n');
  chmodSync(path.join(dataDir, 'uploads', 'old.csv'), 0o644);
});

afterAll(async () => {
  if (studio && studio.exitCode === null) {
    const exited = new Promise((r) => studio!.once('exit', r));
    studio.kill('SIGTERM');
    await exited;
  }
  site.closeAllConnections();
  await new Promise<void>((resolve) => site.close(() => resolve()));
});

function startUnderUmask022(): Promise<string> {
  studio = spawn('sh', ['-c', 'umask 022; exec "$0" bin/conveyor.js serve', process.execPath], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`studio did not start: ${studioLog}`)), 60_000);
    const read = (d: Buffer) => {
      studioLog += d;
      const m = /Conveyor studio at (http:\/\/[^\s]+)/.exec(studioLog);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    studio!.stdout!.on('data', read);
    studio!.stderr!.on('data', read);
  });
}

function evidenceFlow(): FlowDocument {
  return {
    format: FLOW_FORMAT,
    id: 'flow_at_rest',
    name: 'Evidence at rest',
    description: '',
    settings: { concurrency: 1 },
    nodes: [
      { id: 't', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: '[{"n": 1}]' } },
      { id: 'o', type: 'browser.open', position: { x: 200, y: 0 }, params: { url: `${siteUrl}/` } },
      { id: 's', type: 'browser.screenshot', position: { x: 400, y: 0 }, params: { name: 'page' } },
    ],
    edges: [
      { id: 'e1', source: 't', sourcePort: 'out', target: 'o', targetPort: 'in' },
      { id: 'e2', source: 'o', sourcePort: 'out', target: 's', targetPort: 'in' },
    ],
  };
}

describe('data at rest is private, whatever the umask', () => {
  it('a studio started under umask 022 keeps the store, journal, uploads, evidence, vault and backups 0700/0600', async () => {
    const url = await startUnderUmask022();
    // Files left readable before were tightened at start, with one log line saying so.
    expect(studioLog).toMatch(/made 2 folder\(s\) and 1 file\(s\) private to this user/);

    const upload = await fetch(`${url}/api/uploads?name=people.csv`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'email\na@example.com\n' });
    expect(upload.status).toBe(201);
    const cred = await fetch(`${url}/api/credentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: url },
      body: JSON.stringify({ name: 'K', kind: 'api_key', fields: { header: 'X-Key' }, secrets: { key: 'k-1234567890' }, scope: { nodeTypes: ['core.http-request'] } }),
    });
    expect(cred.status).toBe(201);
    const imported = await fetch(`${url}/api/flows/import?onConflict=replace`, { method: 'POST', headers: { 'content-type': 'application/json', origin: url }, body: JSON.stringify(evidenceFlow()) });
    expect(imported.status).toBe(201);
    const started = (await (await fetch(`${url}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json', origin: url }, body: JSON.stringify({ flowId: 'flow_at_rest' }) })).json()) as { id: string };
    let run: { status: string; counts: Record<string, number> } = { status: 'running', counts: {} };
    for (let i = 0; i < 600 && ['running', 'pending', 'queued'].includes(run.status); i++) {
      await new Promise((r) => setTimeout(r, 100));
      run = (await (await fetch(`${url}/api/runs/${started.id}`)).json()) as typeof run;
    }
    expect(run.counts.success).toBe(1);

    const all = modes(dataDir);
    const names = all.map((e) => e.path);
    for (const part of ['store', 'uploads', 'evidence', 'vault.json']) expect(names.some((n) => n.startsWith(`data/${part}`))).toBe(true);
    expect(all.some((e) => e.path.startsWith('data/evidence/') && e.kind === 'file')).toBe(true);
    expect(all.some((e) => e.path.startsWith('data/uploads/') && e.path.endsWith('.csv') && !e.path.endsWith('old.csv'))).toBe(true);
    expect(loose(all)).toEqual([]);

    // A backup taken by the CLI under umask 022 is private too.
    const backup = path.join(root, 'backups', 'b1');
    const b = spawnSync('sh', ['-c', 'umask 022; exec "$0" bin/conveyor.js store backup "$1"', process.execPath, backup], { env, encoding: 'utf8', timeout: 60_000 });
    expect(b.status, b.stderr).toBe(0);
    const copied = modes(path.join(root, 'backups'));
    expect(copied.some((e) => e.path.includes('store') && e.kind === 'file')).toBe(true);
    expect(loose(copied)).toEqual([]);
  }, 120_000);
});
