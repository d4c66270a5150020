import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { useStudio } from './support/fixtures.ts';
import { api } from './support/api.ts';
import * as s from './support/studio.ts';

const studio = useStudio();

const shipped = readdirSync('flows')
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ id: f.replace(/\.json$/, ''), flow: JSON.parse(readFileSync(`flows/${f}`, 'utf8')) as { name: string; description: string; nodes: Array<{ id: string }> } }));

describe('templates', () => {
  test('an empty studio shows a gallery of every shipped flow with what it needs', async () => {
    const page = await studio.page();
    await page.goto(studio.url + '/');
    await page.locator(s.tid('flows-empty')).waitFor();
    const gallery = page.locator(`${s.tid('flows-empty')} ${s.tid('template-gallery')}`);
    await gallery.waitFor();
    const names = await gallery.locator(s.tid('template-name')).allTextContents();
    expect(names.sort()).toEqual(shipped.map((t) => t.flow.name).sort());

    const signup = gallery.locator(s.tid('template-signup-with-email-code'));
    expect(await signup.locator(s.tid('template-description')).textContent()).toBe(shipped.find((t) => t.id === 'signup-with-email-code')!.flow.description);
    const needs = (await signup.locator(s.tid('template-need')).allTextContents()).join('\n');
    expect(needs).toMatch(/spreadsheet/);
    expect(needs).toMatch(/"demo-mailbox".*not set up yet/);
    expect(needs).toMatch(/npm run demo/);
    const outreachNeeds = await gallery.locator(`${s.tid('template-search-terms-outreach')} ${s.tid('template-need')}[data-kind="credential"]`).allTextContents();
    expect(outreachNeeds.join('\n')).toMatch(/demo-sender-1[\s\S]*demo-sender-2[\s\S]*demo-sender-3/);
    expect(studio.pageErrors).toEqual([]);
  });

  test('"Use this template" opens a laid-out copy in the editor', async () => {
    const page = await studio.page();
    await page.goto(studio.url + '/');
    await page.locator(s.tid('template-use-signup-with-email-code')).click();
    await page.waitForURL(/\/flows\/[^/]+$/);
    const template = shipped.find((t) => t.id === 'signup-with-email-code')!.flow;
    await page.locator(s.tid('flow-title')).filter({ hasText: template.name }).waitFor();
    await s.waitForNodes(page, template.nodes.length);
    await s.waitForCanvas(page);
    expect((await s.nodeIds(page)).sort()).toEqual(template.nodes.map((n) => n.id).sort());

    // Laid out: the 14 steps do not lie on one line, and no two cards overlap.
    const boxes = await page.locator('.react-flow__node').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ x: r.x, y: r.y, w: r.width, h: r.height })));
    expect(new Set(boxes.map((b) => Math.round(b.y / 10))).size).toBeGreaterThan(1);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i]!;
        const b = boxes[j]!;
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        expect(overlap, `cards ${i} and ${j} overlap`).toBe(false);
      }
    }

    // It is a copy in the flow list; the template stays offered.
    const flows = await api<Array<{ id: string; name: string }>>(studio.url, 'GET', '/api/flows');
    expect(flows.map((f) => f.name)).toEqual([template.name]);
    expect(studio.pageErrors).toEqual([]);
  });

  test('"New flow" offers the gallery next to the blank flow', async () => {
    const page = await studio.page();
    await page.goto(studio.url + '/');
    await page.locator(s.tid('flow-table')).waitFor(); // the studio has a flow now: no empty page
    await page.locator(s.tid('btn-new-flow')).click();
    const dialog = page.locator(s.tid('prompt-dialog'));
    await dialog.locator(s.tid('template-gallery')).waitFor();
    expect(await dialog.locator(s.tid('template-name')).count()).toBe(shipped.length);
    await dialog.locator(s.tid('template-use-hello-records')).click();
    await page.waitForURL(/\/flows\/[^/]+$/);
    const hello = shipped.find((t) => t.id === 'hello-records')!.flow;
    await page.locator(s.tid('flow-title')).filter({ hasText: hello.name }).waitFor();
    await s.waitForNodes(page, hello.nodes.length);

    // The blank flow is still one name away.
    const id = await s.createFlow(page, studio.url, 'From scratch');
    expect(id).toBeTruthy();
    expect(studio.pageErrors).toEqual([]);
  });
});
