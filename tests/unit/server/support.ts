import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, type RunningServer } from '../../../server/main.ts';
import { expressRoutes } from '../../../server/http/error-handler.ts';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';

export async function startTestServer(): Promise<RunningServer & { dataDir: string; api: <T = any>(method: string, url: string, body?: unknown) => Promise<{ status: number; body: T; headers: Headers }> }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-api-'));
  const server = await startServer({ port: 0, dataDir, clientDir: path.join(dataDir, 'no-client') });
  const api = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(server.url + url, {
      method,
      // Like the studio's page: a browser sends its Origin with every change (credential edits need it).
      headers: { ...(method === 'GET' || method === 'HEAD' ? {} : { origin: server.url }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed as any, headers: res.headers };
  };
  return Object.assign(server, { dataDir, api });
}

/** trigger → set score → if score > 10 → end success / end needs_review */
export function scoringFlow(id = 'flow_scoring', records = '[]'): FlowDocument {
  return {
    format: FLOW_FORMAT,
    id,
    name: 'Scoring',
    description: '',
    settings: { concurrency: 4 },
    nodes: [
      { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records } },
      { id: 'score', type: 'core.set-fields', position: { x: 200, y: 0 }, params: { fields: [{ name: 'score', value: 'n * 2' }], keepOtherFields: true } },
      { id: 'check', type: 'core.if', position: { x: 400, y: 0 }, params: { condition: 'score > 10' } },
      { id: 'ok', type: 'core.end', position: { x: 600, y: -80 }, params: { status: 'success' } },
      { id: 'review', type: 'core.end', position: { x: 600, y: 80 }, params: { status: 'needs_review' } },
    ],
    edges: [
      { id: 'e1', source: 'trigger', sourcePort: 'out', target: 'score', targetPort: 'in' },
      { id: 'e2', source: 'score', sourcePort: 'out', target: 'check', targetPort: 'in' },
      { id: 'e3', source: 'check', sourcePort: 'true', target: 'ok', targetPort: 'in' },
      { id: 'e4', source: 'check', sourcePort: 'false', target: 'review', targetPort: 'in' },
    ],
  };
}

/**
 * trigger → a code step that fails (E_CODE_FAILED) for records whose `n` is at most `failUpTo` —
 * they wait in the review queue as failed — then, with `delayMs`, a delay that makes every record
 * take that long (a run slow enough to pause).
 */
export function smallNumbersFailFlow(id: string, failUpTo: number, opts: { concurrency: number; delayMs?: number }): FlowDocument {
  const nodes: FlowDocument['nodes'] = [
    { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: '[]' } },
    { id: 'code', type: 'core.code', position: { x: 200, y: 0 }, params: { code: `if (record.n <= ${failUpTo}) throw new Error("too small"); return record;`, timeoutMs: 1000, memoryLimitMb: 32 } },
  ];
  const edges: FlowDocument['edges'] = [{ id: 'e1', source: 'trigger', sourcePort: 'out', target: 'code', targetPort: 'in' }];
  if (opts.delayMs !== undefined) {
    nodes.push({ id: 'slow', type: 'core.delay', position: { x: 400, y: 0 }, params: { ms: opts.delayMs } });
    edges.push({ id: 'e2', source: 'code', sourcePort: 'out', target: 'slow', targetPort: 'in' });
  }
  return { format: FLOW_FORMAT, id, name: id, description: '', settings: { concurrency: opts.concurrency }, nodes, edges };
}

/**
 * Samples `${url}/api/health` until `done` settles (each answer must be 200); returns each answer's
 * time in ms — how the studio stays responsive while something heavy runs.
 */
export async function probeHealth(url: string, done: Promise<unknown>): Promise<number[]> {
  let finished = false;
  void done.finally(() => (finished = true));
  const times: number[] = [];
  while (!finished) {
    const t0 = performance.now();
    const res = await fetch(`${url}/api/health`);
    await res.text();
    times.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`/api/health answered ${res.status}`);
    await new Promise((r) => setTimeout(r, 15));
  }
  return times;
}

export interface RouteInfo {
  method: string;
  path: string;
}

/**
 * Every method + path the studio's app answers, listed from Express itself (`listRoutes`), so a
 * route added later is in the list; the studio's own catch-all page left out.
 */
export function listRoutes(app: RunningServer['app']): RouteInfo[] {
  const out: RouteInfo[] = [];
  // `*`: every method (router.all): listed as a read and as a change.
  for (const r of expressRoutes(app)) for (const m of r.methods) for (const method of m === '*' ? ['GET', 'POST'] : m === 'HEAD' ? [] : [m]) out.push({ method, path: r.path });
  return out.filter((r) => !r.path.includes('{*'));
}
