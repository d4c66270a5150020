import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../server/main.ts';
import { openSqlJsStore } from '../../server/store/sqljs-store.ts';
import { sharedBrowser } from './support/browser.ts';
import { api, waitForRun } from './support/api.ts';
import { scoringFlowDoc } from './support/review.ts';
import * as studio from './support/studio.ts';

const s = {
  ...studio,
  /** Waits until the flow has `count` runs; newest first. */
  async eventuallyRuns(base: string, count: number): Promise<Array<{ id: string }>> {
    for (let i = 0; i < 200; i++) {
      const runs = await api<Array<{ id: string }>>(base, 'GET', '/api/runs?flowId=flow_resume');
      if (runs.length >= count) return runs;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`expected ${count} runs`);
  },
};

let browser: Browser | null = null;
const contexts: BrowserContext[] = [];
let server: RunningServer | null = null;
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await server?.close();
});

/** A page in a context of its own (closed after the file; the browser is the worker's, see sharedBrowser). */
async function newPage(b: Browser): Promise<Page> {
  const context = await b.newContext({ viewport: { width: 1600, height: 1000 } });
  contexts.push(context);
  return context.newPage();
}

/** A scoring flow with a delay, so a run lasts long enough to be interrupted. */
function slowFlow(businessKey?: string) {
  const doc = scoringFlowDoc('flow_resume', 'Resume me') as ReturnType<typeof scoringFlowDoc> & { settings: Record<string, unknown> };
  doc.nodes.splice(1, 0, { id: 'wait', type: 'core.delay', position: { x: 110, y: 120 }, params: { ms: 150 } } as never);
  doc.edges[0] = { id: 'e1', source: 'trigger', sourcePort: 'out', target: 'wait', targetPort: 'in' };
  doc.edges.push({ id: 'e0', source: 'wait', sourcePort: 'out', target: 'score', targetPort: 'in' });
  if (businessKey) doc.settings = { ...doc.settings, businessKey };
  return doc;
}

describe('runs that outlive the server', () => {
  test('a paused run and an interrupted run resume from the studio after a restart', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'conveyor-e2e-resume-'));
    server = await startServer({ port: 0, dataDir });
    await api(server.url, 'POST', '/api/flows/import', slowFlow());
    const records = Array.from({ length: 12 }, (_, i) => ({ n: i + 1 }));
    const paused = await api<{ id: string }>(server.url, 'POST', '/api/runs', { flowId: 'flow_resume', input: { records }, settings: { concurrency: 2 } });
    const interrupted = await api<{ id: string }>(server.url, 'POST', '/api/runs', { flowId: 'flow_resume', input: { records }, settings: { concurrency: 2 } });
    await new Promise((r) => setTimeout(r, 400));
    await api(server.url, 'POST', `/api/runs/${paused.id}/pause`);
    // Closing the server pauses every run gracefully; then pretend the second one's process died.
    await server.close();
    const store = await openSqlJsStore(path.join(dataDir, 'store'));
    await store.updateRun(interrupted.id, { status: 'running' });
    await store.close();

    server = await startServer({ port: 0, dataDir });
    browser = await sharedBrowser();
    const page = await newPage(browser);
    for (const [runId, status] of [[paused.id, 'paused'], [interrupted.id, 'interrupted']] as const) {
      await page.goto(`${server.url}/runs/${runId}`);
      await s.waitForRunStatus(page, status);
      const left = await api<{ counts: { pending: number; running: number } }>(server.url, 'GET', `/api/runs/${runId}`);
      expect(left.counts.pending + left.counts.running).toBeGreaterThan(0);
      await page.locator(s.tid('btn-resume')).click();
      await s.waitForRunStatus(page, 'completed');
      const done = await waitForRun(server.url, runId, ['completed']);
      expect(done.counts).toMatchObject({ success: 7, needs_review: 5, pending: 0, running: 0 });
      // Nothing was done twice: one delay step per record.
      expect((done as unknown as { nodes: Record<string, { success: number }> }).nodes.wait.success).toBe(12);
    }
  });

  test('records already done are skipped unless the operator asks to reprocess them', async () => {
    await api(server!.url, 'POST', '/api/flows/import?onConflict=replace', { ...slowFlow('n'), nodes: slowFlow('n').nodes.map((n) => (n.id === 'wait' ? { ...n, params: { ms: 0 } } : n)) });
    const page = await newPage(browser!);
    await page.goto(`${server!.url}/flows/flow_resume`);
    await page.locator(s.tid('editor')).waitFor();
    // Run 1: nothing done before. Run 2: n=99 succeeded in run 1 and n=1, n=2 wait for review there →
    // all skipped. Run 3: reprocess → they run again.
    for (const [reprocess, skipped] of [[false, 0], [false, 3], [true, 0]] as const) {
      await page.locator(s.tid('btn-run')).click();
      await page.locator(s.tid('run-dialog')).waitFor();
      await page.locator(`${s.tid('run-dialog')} textarea`).fill('[{"n": 1}, {"n": 2}, {"n": 99}]');
      const box = page.locator(`${s.tid('run-reprocess')} input`);
      await box.setChecked(reprocess);
      const before = (await api<unknown[]>(server!.url, 'GET', '/api/runs?flowId=flow_resume')).length;
      await page.locator(s.tid('btn-start-run')).click();
      const runs = await s.eventuallyRuns(server!.url, before + 1);
      const done = await waitForRun(server!.url, runs[0].id, ['completed']);
      expect(done.counts).toMatchObject(skipped ? { skipped, needs_review: 0, success: 0 } : { skipped: 0, needs_review: 2, success: 1 });
      if (skipped) {
        const recs = await api<{ items: Array<{ status: string; reason: string | null }> }>(server!.url, 'GET', `/api/runs/${runs[0].id}/records`);
        expect(recs.items[0]).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/^Waiting for review in run run_/) });
        expect(recs.items[2]).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/^Already done in run run_/) });
      }
    }
  });
});
