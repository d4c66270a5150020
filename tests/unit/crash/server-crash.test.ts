import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import { api, kill, killAllStudios, startStudio } from './studio-process.ts';

/**
 * Crash-safe resume: a 500-record run whose unsafe HTTP step calls a local endpoint that counts
 * calls per key. The studio is killed with SIGKILL at several moments and restarted each time.
 */
const RECORDS = 500;
const KILLS = 6;

const calls = new Map<string, number>();
let effects: Server;
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  killAllStudios();
  await new Promise<void>((r) => (effects ? effects.close(() => r()) : r()));
});

async function startEffects(): Promise<string> {
  effects = createServer((req, res) => {
    const key = decodeURIComponent(req.url!.split('/').pop()!);
    calls.set(key, (calls.get(key) ?? 0) + 1);
    // Slow enough that a kill nearly always lands while some calls are under way.
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ key, count: calls.get(key) }));
    }, 80);
  });
  await new Promise<void>((r) => effects.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(effects.address() as AddressInfo).port}`;
}

function effectFlow(base: string): FlowDocument {
  return {
    format: FLOW_FORMAT,
    id: 'flow_crash',
    name: 'Crash test',
    description: '',
    // The effects service listens on this computer: allowed explicitly, by the flow.
    settings: { concurrency: 4, allowHosts: ['127.0.0.1'] },
    nodes: [
      { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: '[]' } },
      { id: 'call', type: 'core.http-request', position: { x: 200, y: 0 }, params: { method: 'POST', url: `${base}/effect/{{ key }}`, bodyFormat: 'none' } },
      { id: 'mark', type: 'core.set-fields', position: { x: 400, y: 0 }, params: { fields: [{ name: 'count', value: 'response.body.count' }] } },
      { id: 'done', type: 'core.end', position: { x: 600, y: 0 }, params: { status: 'success' } },
    ],
    edges: [
      { id: 'e1', source: 'trigger', sourcePort: 'out', target: 'call', targetPort: 'in' },
      { id: 'e2', source: 'call', sourcePort: 'out', target: 'mark', targetPort: 'in' },
      { id: 'e3', source: 'mark', sourcePort: 'out', target: 'done', targetPort: 'in' },
    ],
  };
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['bin/conveyor.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

async function terminalStatuses(url: string, runId: string): Promise<Map<number, string>> {
  const { body } = await api(`${url}/api/runs/${runId}/records?limit=1000`, 'GET');
  const out = new Map<number, string>();
  for (const r of body.items) if (!['pending', 'running'].includes(r.status)) out.set(r.index, r.status);
  return out;
}

describe('crash-safe resume', () => {
  it(`survives ${KILLS} kill -9 of the studio: every record ends once, nothing committed is lost or repeated, in-doubt steps go to review`, async () => {
    const base = await startEffects();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-crash-'));
    let studio = await startStudio(dataDir);
    await api(`${studio.url}/api/flows/import`, 'POST', effectFlow(base));
    const records = Array.from({ length: RECORDS }, (_, i) => ({ key: `k${i}` }));
    const run = (await api(`${studio.url}/api/runs`, 'POST', { flowId: 'flow_crash', input: { records } })).body;
    expect(run.id).toMatch(/^run_/);

    let committed = new Map<number, string>();
    let kills = 0;
    for (let round = 1; round <= KILLS; round++) {
      await new Promise((r) => setTimeout(r, 250 + Math.floor(Math.random() * 700)));
      await kill(studio.child);
      kills++;
      studio = await startStudio(dataDir);
      const summary = (await api(`${studio.url}/api/runs/${run.id}`, 'GET')).body;
      if (summary.status === 'completed') break;
      expect(summary.status).toBe('interrupted');
      // No committed terminal status was lost or changed by the crash.
      const now = await terminalStatuses(studio.url, run.id);
      for (const [index, status] of committed) expect(now.get(index), `record ${index}`).toBe(status);
      committed = now;
      if (round < KILLS) expect((await api(`${studio.url}/api/runs/${run.id}/resume`, 'POST')).status).toBe(200);
    }
    await kill(studio.child);
    expect(kills).toBe(KILLS);
    expect(committed.size).toBeGreaterThan(0);
    expect(committed.size).toBeLessThan(RECORDS);

    // The last resume from the command line, with the studio down.
    // (Asynchronously: the counting endpoint lives in this process and must keep answering.)
    const cli = await runCli(['resume', run.id, '--json', '--data-dir', dataDir]);
    expect(cli.stderr).toBe('');
    const final = JSON.parse(cli.stdout);
    expect(final.status).toBe('completed');
    expect(final.counts.pending + final.counts.running).toBe(0);
    expect(final.counts, JSON.stringify(final.counts)).toMatchObject({ failed: 0, skipped: 0 });
    expect(final.counts.success + final.counts.needs_review).toBe(RECORDS);

    studio = await startStudio(dataDir);
    const { body } = await api(`${studio.url}/api/runs/${run.id}/records?limit=1000`, 'GET');
    expect(body.total).toBe(RECORDS);
    let inDoubt = 0;
    for (const r of body.items) {
      const key = r.data.key as string;
      const n = calls.get(key) ?? 0;
      // A committed side effect is never repeated: each key was called at most once.
      expect(n, key).toBeLessThanOrEqual(1);
      if (r.status === 'success') {
        expect(n, key).toBe(1);
        expect(r.output.count).toBe(1);
      } else {
        // The only other outcome: the call was interrupted before it committed → review, never re-run.
        expect(r.status).toBe('needs_review');
        expect(r.error.code).toBe('E_IN_DOUBT');
        inDoubt++;
      }
      if (committed.has(r.index)) expect(r.status).toBe(committed.get(r.index));
    }
    expect(inDoubt).toBeGreaterThan(0);
    // Exactly one terminal status per record, as the audit trail shows.
    for (const index of [0, 137, 250, 499]) {
      const detail = (await api(`${studio.url}/api/runs/${run.id}/records/${index}`, 'GET')).body;
      expect(detail.events.filter((e: { action: string }) => e.action === 'finished')).toHaveLength(1);
    }
  }, 240_000);
});
