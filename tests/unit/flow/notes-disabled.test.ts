import { afterEach, describe, expect, it } from 'vitest';
import { NodeRegistry } from '../../../nodes/registry.ts';
import { validateFlow } from '../../../server/flow/validate.ts';
import { serializeFlow } from '../../../server/contract/flow/serialize.ts';
import { flow, openHarness, records, testNodes, type Harness } from '../engine/harness.ts';

const registry = new NodeRegistry(testNodes);
const base = () => flow([['t', 'test.trigger'], ['a', 'test.add', { by: 1 }], ['b', 'test.add', { by: 10 }]], [['t', 'a'], ['a', 'b']]);

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('sticky notes in the flow file', () => {
  it('keeps notes with their position, size, text and colour through export and import', () => {
    const doc = { ...base(), notes: [{ id: 'n1', position: { x: 10.04, y: -20 }, size: { width: 240, height: 120 }, text: 'Ask Anna before\nchanging the code step', color: 'blue' as const }] };
    const text = serializeFlow(doc);
    expect(JSON.parse(text).notes).toEqual([{ id: 'n1', position: { x: 10, y: -20 }, size: { width: 240, height: 120 }, text: 'Ask Anna before\nchanging the code step', color: 'blue' }]);
    const back = validateFlow(JSON.parse(text), registry);
    expect(back.ok).toBe(true);
    if (back.ok) expect(back.flow.notes?.[0].text).toBe('Ask Anna before\nchanging the code step');
  });

  it('a flow without notes writes no notes field (files from before notes stay byte for byte)', () => {
    expect(JSON.parse(serializeFlow(base()))).not.toHaveProperty('notes');
    expect(JSON.parse(serializeFlow({ ...base(), notes: [] }))).not.toHaveProperty('notes');
  });

  it('refuses a malformed note with the path of the field', () => {
    const r = validateFlow(
      {
        ...base(),
        notes: [
          { id: 'n1', position: { x: 0, y: 0 }, text: 'ok' },
          { id: 'n1', position: { x: 0 }, text: 7, color: 'purple', size: { width: 5, height: 50 }, extra: true },
        ],
      },
      registry,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const paths = r.problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['$.notes[1].position.y', '$.notes[1].text', '$.notes[1].color', '$.notes[1].size.width']));
    expect(r.problems.some((p) => p.path === '$.notes[1]' && /extra/.test(p.message))).toBe(true);
  });

  it('notes with the same id are refused', () => {
    const r = validateFlow({ ...base(), notes: [{ id: 'n1', position: { x: 0, y: 0 }, text: 'a' }, { id: 'n1', position: { x: 300, y: 0 }, text: 'b' }] }, registry);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.find((p) => p.path === '$.notes[1].id')?.message).toMatch(/another note/);
  });
});

describe('a disabled node', () => {
  it('is kept in the file only when disabled', () => {
    const doc = base();
    doc.nodes[1].disabled = true;
    const text = JSON.parse(serializeFlow(doc));
    expect(text.nodes[1].disabled).toBe(true);
    expect(text.nodes[2]).not.toHaveProperty('disabled');
  });

  it('passes every record through unchanged on its first output, and the next step runs', async () => {
    h = await openHarness();
    const doc = base();
    doc.nodes[1].disabled = true;
    const run = await h.engine.startRun(doc, { input: { records: records(3) } });
    const s = await h.engine.waitForRun(run.id);
    expect(s.status).toBe('completed');
    expect(s.counts.success).toBe(3);
    // n + 10 only: the disabled "add 1" step changed nothing.
    expect((await h.store.getRecord(run.id, 2))?.output).toEqual({ n: 12 });
    const steps = await h.store.listSteps(run.id, 2);
    expect(steps.map((st) => [st.nodeId, st.status])).toEqual([['a', 'success'], ['b', 'success']]);
    expect(steps[0].output).toEqual([{ port: 'out', data: { n: 2 } }]);
  });

  it('a disabled trigger still makes the records (a flow needs its trigger)', async () => {
    h = await openHarness();
    const doc = base();
    doc.nodes[0].disabled = true;
    const run = await h.engine.startRun(doc, { input: { records: records(2) } });
    const s = await h.engine.waitForRun(run.id);
    expect(s.counts.success).toBe(2);
  });
});
