import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { useStudio } from './support/fixtures.ts';
import { api, delayParam, type CatalogEntry } from './support/api.ts';
import * as s from './support/studio.ts';

const studio = useStudio();

describe('a newcomer', () => {
  test('builds a flow on the canvas, runs it live, pauses and resumes, exports it and runs the re-imported copy', async () => {
    const page = await studio.page();
    const catalog = await api<CatalogEntry[]>(studio.url, 'GET', '/api/node-types');
    const delayField = delayParam(catalog);

    // An empty studio says what to do.
    await page.goto(studio.url + '/');
    await page.locator(s.tid('flows-empty')).waitFor();

    // Create the flow: it opens in the editor with its manual trigger.
    const flowId = await s.createFlow(page, studio.url, 'Lead scoring');
    await page.locator(s.tid('flow-title')).filter({ hasText: 'Lead scoring' }).waitFor();
    let trigger = (await s.nodeIds(page))[0];
    if (!trigger) trigger = await s.dropNode(page, 'core.manual-trigger', { x: 200, y: 300 });

    // Room to work: zoom out a little and put the trigger on the left.
    await page.locator('.react-flow__controls-zoomout').click();
    await page.locator('.react-flow__controls-zoomout').click();
    const box = await s.canvasBox(page);
    const mid = box.height / 2;
    await s.moveNode(page, trigger, { x: 140, y: mid });

    const set = await s.dropNode(page, 'core.set-fields', { x: 400, y: mid });
    // The next two come from the picker that opens when an output is dragged into empty canvas:
    // added and connected in one move.
    const delay = await s.pickNode(page, set, 'out', { x: 660, y: mid }, 'Delay');
    const gate = await s.pickNode(page, delay, 'out', { x: 920, y: mid }, 'If');
    const ok = await s.dropNode(page, 'core.end', { x: 1180, y: mid - 120 });
    const review = await s.dropNode(page, 'core.end', { x: 1180, y: mid + 120 });
    await s.waitForNodes(page, 6);

    // If shows its two labelled outputs; every node has its error port.
    await expect(page.locator(s.tid(`port-label-${gate}-true`)).textContent()).resolves.toMatch(/true/i);
    await expect(page.locator(s.tid(`port-label-${gate}-false`)).textContent()).resolves.toMatch(/false/i);
    expect(await page.locator(s.tid(`handle-${set}-out-error`)).count()).toBe(1);

    await s.connect(page, trigger, 'out', set);
    await s.connect(page, gate, 'true', ok);
    await s.connect(page, gate, 'false', review);
    await s.waitForEdges(page, 5);

    // Configure every node through the inspector's generated forms.
    await s.selectNode(page, set);
    await page.locator(s.tid('btn-add-fields')).click();
    await s.fillField(page, 'fields.0.name', 'score');
    await s.fillField(page, 'fields.0.value', '$number(n) * 2');
    // With no record to try it on yet, the preview says so instead of guessing.
    await page.locator(`${s.tid('inspector')} ${s.tid('preview-fields.0.value')}`).waitFor();
    await s.fillField(page, 'node-name', 'Compute score');
    await s.selectNode(page, delay);
    await s.fillField(page, delayField, '300');
    await s.selectNode(page, gate);
    await s.fillField(page, 'condition', 'score > 20');
    await s.fillField(page, 'node-name', 'High score?');
    await s.selectNode(page, ok);
    await s.selectField(page, 'status', 'success');
    await s.fillField(page, 'node-name', 'Qualified');
    await s.selectNode(page, review);
    await s.selectField(page, 'status', 'needs_review');
    await s.fillField(page, 'reason', 'Score too low');
    await s.fillField(page, 'node-name', 'Needs review');
    // The flow's own settings are in the flow's inspector (nothing selected), not under each node.
    await page.locator('.react-flow__pane').click({ position: { x: 30, y: 30 } });
    await s.fillField(page, 'settings.concurrency', '2');
    await expect(page.locator(`${s.tid(`node-${gate}`)} ${s.tid('node-title')}`).textContent()).resolves.toBe('High score?');

    await page.locator(s.tid('btn-fit')).click();
    expect(await page.locator(s.tid('dirty-indicator')).getAttribute('data-dirty')).toBe('true');
    await s.save(page);

    // The saved document is what the server holds.
    const saved = await api<{ flow: { nodes: Array<{ id: string; params: Record<string, unknown> }>; edges: Array<{ sourcePort: string; targetPort: string }>; settings: { concurrency: number } } }>(studio.url, 'GET', `/api/flows/${flowId}`);
    expect(saved.flow.nodes).toHaveLength(6);
    expect(saved.flow.settings.concurrency).toBe(2);
    expect(saved.flow.nodes.find((n) => n.id === gate)?.params.condition).toBe('score > 20');
    expect(Object.fromEntries(saved.flow.nodes.map((n) => [n.id, (n as unknown as { type: string }).type]))).toMatchObject({ [delay]: 'core.delay', [gate]: 'core.if' });
    expect(saved.flow.edges.map((e) => e.sourcePort).sort()).toEqual(['false', 'out', 'out', 'out', 'true']);
    expect(new Set(saved.flow.edges.map((e) => e.targetPort))).toEqual(new Set(['in']));

    // Run 20 records given in the run dialog; watch the delay node glow.
    await s.startRun(page, s.records(20));
    await page.locator(`${s.tid(`node-${delay}`)}.node-active`).waitFor({ timeout: 15_000 });
    await page.locator('.react-flow__edge.animated').first().waitFor({ state: 'attached' });
    await page.waitForTimeout(400);
    await page.screenshot({ path: path.join(tmpdir(), 'editor.png') });

    // Pause: no new step starts; then resume and let it finish.
    await page.locator(s.tid('btn-pause')).click();
    await s.waitForRunStatus(page, 'paused', 20_000);
    const doneAtPause = Number(await page.locator(s.tid('progress-done')).textContent());
    expect(doneAtPause).toBeLessThan(20);
    await page.waitForTimeout(800);
    expect(Number(await page.locator(s.tid('progress-done')).textContent())).toBe(doneAtPause);
    expect(await page.locator(s.tid('btn-pause')).isDisabled()).toBe(true);
    await page.locator(s.tid('btn-resume')).click();
    await s.waitForRunStatus(page, ['running', 'completed']);
    await s.waitForRunStatus(page, 'completed', 60_000);

    // Exact final numbers: n = 1..20, score = 2n, score > 20 for n = 11..20.
    await page.waitForFunction(() => document.querySelector('[data-testid="progress-done"]')?.textContent === '20');
    expect(await s.count(page, 'success')).toBe(10);
    expect(await s.count(page, 'needs_review')).toBe(10);
    expect(await s.count(page, 'failed')).toBe(0);
    for (const [id, n] of [[trigger, 20], [set, 20], [delay, 20], [gate, 20], [ok, 10], [review, 10]] as const) {
      expect(await s.counter(page, id, 'success'), `success counter of ${id}`).toBe(n);
      expect(await s.counter(page, id, 'failed')).toBe(0);
      expect(await s.counter(page, id, 'inProgress')).toBe(0);
    }
    expect(await page.locator('.node-active').count()).toBe(0);

    // The expression's preview now runs on the last run's first record, and says so: n = 1 → 2.
    await s.selectNode(page, set);
    await expect.poll(() => page.locator(`${s.tid('inspector')} ${s.tid('preview-value-fields.0.value')}`).textContent()).toBe('2');
    expect(await page.locator(`${s.tid('inspector')} ${s.tid('preview-sample-fields.0.value')}`).textContent()).toMatch(/record #1 of the last run/);

    // Export downloads the canonical file.
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator(s.tid('btn-export')).click()]);
    const file = path.join(tmpdir(), `conveyor-export-${Date.now()}.json`);
    await download.saveAs(file);
    const exported = JSON.parse(await readFile(file, 'utf8'));
    expect(exported.format).toBe('conveyor.flow/v1');
    expect(exported.id).toBe(flowId);
    expect(exported.nodes).toHaveLength(6);
    expect(exported.edges).toHaveLength(5);

    // Import it again with the file picker: a copy opens in the editor.
    await page.locator(s.tid('nav-flows')).click();
    await page.locator(s.tid('flow-table')).waitFor();
    await page.locator(s.tid('import-file')).setInputFiles(file);
    await page.waitForURL((u) => /\/flows\//.test(u.pathname) && !u.pathname.endsWith(`/${flowId}`));
    await page.locator(s.tid('editor')).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('.react-flow__node').length === 6);
    await s.waitForEdges(page, 5);
    await expect(page.locator(s.tid('flow-title')).textContent()).resolves.toContain('Lead scoring');

    await s.startRun(page, s.records(20, (i) => ({ n: i + 5 })));
    await s.waitForRunStatus(page, 'completed', 60_000);
    await page.waitForFunction(() => document.querySelector('[data-testid="progress-done"]')?.textContent === '20');
    // n = 6..25: score > 20 for n = 11..25 (15 records).
    expect(await s.count(page, 'success')).toBe(15);
    expect(await s.count(page, 'needs_review')).toBe(5);
    expect(studio.pageErrors).toEqual([]);
  });
});
