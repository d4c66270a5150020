import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, test } from 'vitest';
import { useStudio } from './support/fixtures.ts';
import { api, waitForRun } from './support/api.ts';
import * as s from './support/studio.ts';

const studio = useStudio();
let site: Server;
afterAll(() => new Promise<void>((r) => (site ? site.close(() => r()) : r())));

describe('evidence', () => {
  test('a failing browser step attaches a screenshot that the review queue shows', async () => {
    site = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<h1>Sign up</h1><input type="password" value="secret-value"><button id="go">Go</button>');
    });
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
    const doc = {
      format: 'conveyor.flow/v1', id: 'flow_evidence', name: 'Evidence', description: '', settings: { concurrency: 1 },
      nodes: [
        { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: '[{"n":1}]' } },
        { id: 'open', type: 'browser.open', position: { x: 250, y: 0 }, params: { url } },
        { id: 'click', type: 'browser.click', position: { x: 500, y: 0 }, params: { selectors: ['#missing', 'button.also-missing'], timeoutMs: 500 } },
        { id: 'review', type: 'core.end', position: { x: 750, y: 100 }, params: { status: 'needs_review', reason: 'No button' } },
      ],
      edges: [
        { id: 'e1', source: 'trigger', sourcePort: 'out', target: 'open', targetPort: 'in' },
        { id: 'e2', source: 'open', sourcePort: 'out', target: 'click', targetPort: 'in' },
        { id: 'e3', source: 'click', sourcePort: 'error', target: 'review', targetPort: 'in' },
      ],
    };
    await api(studio.url, 'POST', '/api/flows/import', doc);
    const run = await api<{ id: string }>(studio.url, 'POST', '/api/runs', { flowId: 'flow_evidence' });
    const done = await waitForRun(studio.url, run.id);
    expect(done.counts).toMatchObject({ needs_review: 1 });

    const page = await studio.page();
    await page.goto(`${studio.url}/review`);
    await page.locator(`[data-testid="review-row-${run.id}-0"]`).click();
    await page.locator(s.tid('review-detail')).waitFor();
    // The failed step (trigger, open, click = step 3) opens to show its evidence.
    await page.locator(`${s.tid('review-detail')} ${s.tid('step-3')} summary`).click();
    const link = page.locator(s.tid('evidence-link')).first();
    await link.waitFor();
    const img = link.locator('img');
    await img.waitFor();
    // The picture really loads (the browser decoded it), served by the evidence route.
    await page.waitForFunction((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0, await img.elementHandle());
    const src = await img.getAttribute('src');
    const res = await fetch(studio.url + src);
    expect(res.headers.get('content-type')).toMatch(/image\/png/);

    // A byte of it flipped on disk: the drawer shows it as damaged, with the reason, not as a link.
    const ref = decodeURIComponent(src!.replace('/api/evidence/', ''));
    const file = path.join(studio.dataDir, 'evidence', ...ref.split('/'));
    const bytes = readFileSync(file);
    bytes[100] ^= 0xff;
    writeFileSync(file, bytes);
    await page.keyboard.press('Escape');
    await page.locator(`[data-testid="review-row-${run.id}-0"]`).click();
    await page.locator(`${s.tid('review-detail')} ${s.tid('step-3')} summary`).click();
    const damaged = page.locator(s.tid('evidence-damaged')).first();
    await damaged.waitFor();
    expect(await damaged.getAttribute('data-state')).toBe('damaged');
    await expect(damaged.getAttribute('title')).resolves.toMatch(/is damaged: its bytes do not match the SHA-256 recorded when it was written/);
    expect(await page.locator(s.tid('evidence-link')).count()).toBe(0);
    expect(studio.pageErrors).toEqual([]);
  });
});
