/**
 * A local endpoint that counts calls per key (the side effect a run must never repeat), and a flow
 * whose unsafe HTTP step calls it for each record: what the PostgreSQL process tests drive.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FLOW_FORMAT, type FlowDocument } from '../../../../server/contract/flow/schema.ts';

export interface Effects {
  base: string;
  calls: Map<string, number>;
  /** Calls so far, every key together. */
  total(): number;
  close(): Promise<void>;
}

/** Answers each POST /effect/<key> after `latencyMs` with { key, count }; `onCall` sees each call as it arrives. */
export async function startEffects(latencyMs: number, onCall?: (total: number) => void): Promise<Effects> {
  const calls = new Map<string, number>();
  const total = () => [...calls.values()].reduce((a, b) => a + b, 0);
  const server: Server = createServer((req, res) => {
    const key = decodeURIComponent(req.url!.split('/').pop()!);
    calls.set(key, (calls.get(key) ?? 0) + 1);
    onCall?.(total());
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ key, count: calls.get(key) }));
    }, latencyMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    total,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** trigger → call (POST the record's key) → mark (the count the endpoint answered) → end. */
export function effectFlow(id: string, base: string, opts: { concurrency: number; records?: Array<{ key: string }> }): FlowDocument {
  return {
    format: FLOW_FORMAT,
    id,
    name: `Effects ${id}`,
    description: '',
    settings: { concurrency: opts.concurrency, allowHosts: ['127.0.0.1'] },
    nodes: [
      { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: JSON.stringify(opts.records ?? []) } },
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

/** Each key called at most once; a success called exactly once; anything else is in doubt in review. */
export function unrepeated(records: Array<{ status: string; error: { code: string } | null }>, keyOf: (i: number) => string, calls: Map<string, number>): string[] {
  const problems: string[] = [];
  records.forEach((r, i) => {
    const key = keyOf(i);
    const n = calls.get(key) ?? 0;
    if (n > 1) problems.push(`${key} called ${n} times`);
    if (r.status === 'success' && n !== 1) problems.push(`${key} succeeded with ${n} calls`);
    if (r.status !== 'success' && !(r.status === 'needs_review' && r.error?.code === 'E_IN_DOUBT')) problems.push(`${key} ended ${r.status} (${r.error?.code ?? 'no error'})`);
  });
  return problems;
}
