import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startServer, type RunningServer } from '../../../server/main.ts';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import { signatureHeader } from '../../../nodes/webhook/signature.ts';

/**
 * A request answered 202 is processed even when the studio goes down before its run finished: the
 * next start resumes the run by itself. A run a person stopped stays stopped.
 */

const SECRET = 'whsec_restart_test_0123456789';
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-hooks-restart-'));
const flow: FlowDocument = {
  format: FLOW_FORMAT,
  id: 'flow_slow_payments',
  name: 'Slow payments',
  description: '',
  settings: { concurrency: 4 },
  nodes: [
    { id: 'hook', type: 'webhook.trigger', position: { x: 0, y: 0 }, params: { name: 'payments', secret: 'restart-secret' } },
    { id: 'wait', type: 'core.delay', position: { x: 200, y: 0 }, params: { ms: 1500 } },
    { id: 'mark', type: 'core.set-fields', position: { x: 400, y: 0 }, params: { fields: [{ name: 'paid', value: 'body.email' }], keepOtherFields: true } },
  ],
  edges: [
    { id: 'e1', source: 'hook', sourcePort: 'out', target: 'wait', targetPort: 'in' },
    { id: 'e2', source: 'wait', sourcePort: 'out', target: 'mark', targetPort: 'in' },
  ],
};

let server: RunningServer | null = null;
const start = () => startServer({ port: 0, host: '127.0.0.1', dataDir, clientDir: path.join(dataDir, 'no-client') });

afterAll(async () => {
  vi.restoreAllMocks();
  await server?.close();
});

async function send(id: string): Promise<string> {
  const body = JSON.stringify({ id, email: `${id}@example.com` });
  const res = await fetch(`${server!.url}/hooks/${flow.id}/payments`, { method: 'POST', headers: { 'content-type': 'application/json', 'conveyor-signature': signatureHeader(SECRET, body) }, body });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

async function settled(runId: string): Promise<string> {
  const until = Date.now() + 20_000;
  for (;;) {
    const run = await server!.conveyor.engine.summary(runId);
    if (run.status === 'completed' || run.status === 'failed' || Date.now() > until) return run.status;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('hook runs across a restart', () => {
  it('the next start resumes the run of an answered request that a shutdown paused; a stopped one stays stopped', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    server = await start();
    await server.conveyor.vault.create({ name: 'restart-secret', kind: 'webhook_secret', fields: {}, secrets: { secret: SECRET }, scope: { nodeTypes: ['webhook.trigger'] } });
    await server.conveyor.flows.import(flow, 'replace');

    const answered = await send('evt_inflight');
    const stopped = await send('evt_stopped');
    await server.conveyor.engine.stop(stopped);
    // The studio shuts down while the first request's record is in its wait step.
    await new Promise((r) => setTimeout(r, 300));
    await server.close();
    server = null;

    server = await start();
    expect(await settled(answered)).toBe('completed');
    expect((await server.conveyor.store.getRecord(answered, 0))?.output).toMatchObject({ paid: 'evt_inflight@example.com' });
    expect((await server.conveyor.engine.summary(stopped)).status).toBe('stopped');
  }, 60_000);
});
