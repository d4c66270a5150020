/**
 * A worker keeps its slots full: it claims again as records end, so one slow record does not hold the
 * slots of the others of its claim (with whole batches, the worker waited for its slowest record
 * before claiming anything). One worker, 4 slots; record 0's call is held open until the test lets
 * it go; meanwhile every other record must be claimed, walked and finished — never more than 4
 * calls at once — and after the release the run completes with every key called once.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { effectFlow } from '../store/contract/effects.ts';
import { inProcessWorkers } from './in-process-workers.ts';

const RECORDS = 16;
const SLOTS = 4;

/** POST /effect/<key>: answers after 20 ms, or — key "slow" — once `release()` is called. */
async function gatedEndpoint() {
  const calls = new Map<string, number>();
  let open = 0;
  let maxOpen = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const server: Server = createServer((req, res) => {
    const key = decodeURIComponent(req.url!.split('/').pop()!);
    calls.set(key, (calls.get(key) ?? 0) + 1);
    maxOpen = Math.max(maxOpen, ++open);
    const answer = () => {
      open--;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ key, count: calls.get(key) }));
    };
    if (key === 'slow') void gate.then(answer);
    else setTimeout(answer, 20);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    maxOpen: () => maxOpen,
    release,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const w = inProcessWorkers('rolling');
let endpoint: Awaited<ReturnType<typeof gatedEndpoint>>;
afterAll(async () => {
  delete process.env.CONVEYOR_ALLOW_HOSTS;
  endpoint?.release();
  await endpoint?.close();
});

describe('a worker claims while it works', () => {
  it('starts new records while a slow one of its claim is still running, never more than its slots at once', async () => {
    endpoint = await gatedEndpoint();
    process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';
    await w.start(1, { batch: SLOTS, pollMs: 50 });
    const keys = ['slow', ...Array.from({ length: RECORDS - 1 }, (_, i) => `fast${i}`)];
    const flow = effectFlow('flow_rolling', endpoint.base, { concurrency: SLOTS });
    // The held call must outlast the wait below (the step's default timeout would end it at 10 s).
    flow.nodes.find((n) => n.id === 'call')!.params.timeoutMs = 120_000;
    const run = await w.studio().startRun(flow, { input: { records: keys.map((key) => ({ key })) } });

    // Record 0 was in the worker's first claim (records are claimed in index order) and is held open:
    // every other record still gets walked to its end meanwhile.
    const end = Date.now() + 60_000;
    for (;;) {
      const counts = await w.store().countRecords(run.id);
      if (counts.success === RECORDS - 1) break;
      if (Date.now() > end) throw new Error(`the others did not finish while record 0 ran: ${JSON.stringify(counts)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await w.store().getRecord(run.id, 0))?.status).toBe('running');
    expect(endpoint.calls.get('slow')).toBe(1);

    endpoint.release();
    const summary = await w.until(run.id, 'completed');
    expect(summary.counts.success).toBe(RECORDS);
    expect([...endpoint.calls.values()].every((n) => n === 1)).toBe(true);
    expect(endpoint.calls.size).toBe(RECORDS);
    expect(endpoint.maxOpen()).toBeLessThanOrEqual(SLOTS);
  }, 120_000);
});
