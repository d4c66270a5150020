// How fast a hook acknowledges: signed requests answered 202 once their run is on disk, next to
// forged ones refused before anything is stored, in one run on the same studio. Prints one JSON line.
//   node --import tsx bench/hook-ack.ts [requests] [senders]
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../server/main.ts';
import { FLOW_FORMAT, type FlowDocument } from '../server/contract/flow/schema.ts';
import { signatureHeader } from '../nodes/webhook/signature.ts';

const requests = Number(process.argv[2] ?? 400);
const senders = Number(process.argv[3] ?? 8);
const SECRET = 'whsec_bench_secret_000000000';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-bench-hooks-'));
const server = await startServer({ port: 0, host: '127.0.0.1', dataDir, clientDir: path.join(dataDir, 'no-client') });
const c = server.conveyor;
await c.vault.create({ name: 'bench-secret', kind: 'webhook_secret', fields: {}, secrets: { secret: SECRET }, scope: { nodeTypes: ['webhook.trigger'] } });
const flow: FlowDocument = {
  format: FLOW_FORMAT,
  id: 'flow_bench_hooks',
  name: 'Bench hooks',
  description: '',
  settings: { concurrency: 4 },
  nodes: [
    { id: 'hook', type: 'webhook.trigger', position: { x: 0, y: 0 }, params: { name: 'in', secret: 'bench-secret' } },
    { id: 'mark', type: 'core.set-fields', position: { x: 200, y: 0 }, params: { fields: [{ name: 'paid', value: 'body.data.email' }], keepOtherFields: true } },
  ],
  edges: [{ id: 'e1', source: 'hook', sourcePort: 'out', target: 'mark', targetPort: 'in' }],
};
await c.flows.import(flow, 'replace');
const url = `${server.url}/hooks/${flow.id}/in`;

export interface HookAckResult {
  cores: number;
  runs: number;
  phases: Phase[];
}

interface Phase {
  kind: string;
  requests: number;
  senders: number;
  wallSeconds: number;
  perSec: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  cpuMs: number;
  loadavg: number[];
  statuses: Record<string, number>;
}

let seq = 0;
async function phase(kind: 'signed' | 'forged', count: number, parallel: number): Promise<Phase> {
  const times: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        next++;
        const body = JSON.stringify({ id: `evt_${kind}_${seq++}`, type: 'payment.succeeded', data: { email: `lead${seq}@example.com`, amount: 4900 } });
        const header = signatureHeader(kind === 'signed' ? SECRET : 'whsec_forger_000000000000', body);
        const s = performance.now();
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'conveyor-signature': header }, body });
        await res.arrayBuffer();
        times.push(performance.now() - s);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      }
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  return { kind, requests: count, senders: parallel, wallSeconds: wall, perSec: count / wall, p50Ms: at(0.5), p95Ms: at(0.95), maxMs: times[times.length - 1], cpuMs: (cpu.user + cpu.system) / 1000, loadavg: os.loadavg(), statuses };
}

// Warm-up, then the two kinds side by side, twice each, interleaved.
await phase('signed', 20, 2);
const results: Phase[] = [];
for (let round = 0; round < 2; round++) {
  results.push(await phase('signed', requests, senders));
  results.push(await phase('forged', requests, senders));
}
// Every acknowledged run finishes (the answer never waited for it).
const runs = await c.store.listRuns({ flowId: flow.id, limit: 100_000 });
for (const r of runs) await c.engine.waitForRun(r.id);
await server.close();
rmSync(dataDir, { recursive: true, force: true });
console.log(JSON.stringify({ cores: os.cpus().length, runs: runs.length, phases: results }));
