import { describe, expect, test } from 'vitest';
import { useStudio } from './support/fixtures.ts';
import { api, type FlowEntry } from './support/api.ts';
import * as s from './support/studio.ts';

const studio = useStudio();

const node = (id: string, x: number, y: number) => ({ id, type: 'core.set-fields', name: `Step ${id}`, position: { x, y }, params: {} });

describe('auto-layout and sticky notes', () => {
  test('a note over a card moves with it when the flow is laid out (it stayed behind, over empty canvas)', async () => {
    const entry = await api<FlowEntry>(studio.url, 'POST', '/api/flows/import', {
      format: 'conveyor.flow/v1',
      id: 'notes-follow',
      name: 'Notes follow',
      // A zigzag the layout straightens: b moves a long way.
      nodes: [{ id: 'start', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: {} }, node('a', 300, 600), node('b', 900, -500), node('c', 1400, 700)],
      edges: [
        { id: 'e1', source: 'start', target: 'a' },
        { id: 'e2', source: 'a', target: 'b' },
        { id: 'e3', source: 'b', target: 'c' },
      ],
      notes: [{ id: 'about-b', position: { x: 860, y: -560 }, size: { width: 300, height: 180 }, text: 'Step b tags the lead' }],
    });
    const page = await studio.page();
    await page.goto(`${studio.url}/flows/${entry.id}`);
    await s.waitForCanvas(page);
    await page.locator(s.tid('btn-layout')).click();
    await page.locator(`${s.tid('dirty-indicator')}[data-dirty="true"]`).waitFor();
    await page.waitForTimeout(600); // the fit after the layout
    const [note] = await s.rectsOf(page, '.react-flow__node-note');
    const [b] = await s.rectsOf(page, '.react-flow__node[data-id="b"]');
    const mid = { x: b.x + b.width / 2, y: b.y + b.height / 2 };
    expect(mid.x > note.x && mid.x < note.x + note.width && mid.y > note.y && mid.y < note.y + note.height).toBe(true);
    // One undo puts the cards and the note back.
    await page.locator(s.tid('btn-undo')).click();
    await page.locator(`${s.tid('dirty-indicator')}[data-dirty="false"]`).waitFor();
    expect(studio.pageErrors).toEqual([]);
  });
});
