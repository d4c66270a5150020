import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRegistry } from '../index.ts';
import { Engine } from '../../server/engine/engine.ts';
import { FlowLibrary } from '../../server/flow/flow-library.ts';
import { openSqlJsStore } from '../../server/store/sqljs-store.ts';
import type { Store } from '../../server/store/types.ts';
import { FLOW_FORMAT, type FlowDocument } from '../../server/contract/flow/schema.ts';

type Step = [id: string, type: string, params?: Record<string, unknown>];

/** A linear flow: manual trigger, then the steps in order. */
function chain(id: string, steps: Step[]): FlowDocument {
  const nodes = [['trigger', 'core.manual-trigger', { format: 'json', records: '[{}]' }] as Step, ...steps];
  return {
    format: FLOW_FORMAT,
    id,
    name: `Flow ${id}`,
    description: '',
    settings: { concurrency: 2 },
    nodes: nodes.map(([nid, type, params], i) => ({ id: nid, type, position: { x: i * 200, y: 0 }, params: params ?? {} })),
    edges: nodes.slice(1).map(([nid], i) => ({ id: `e${i}`, source: nodes[i][0], sourcePort: 'out', target: nid, targetPort: 'in' })),
  } as FlowDocument;
}

const greet: Step = ['greet', 'core.set-fields', { fields: [{ name: 'greeting', value: '"Hello " & name' }] }];

let open: Array<{ engine: Engine; store: Store }> = [];
afterEach(async () => {
  for (const o of open) {
    await o.engine.shutdown().catch(() => undefined);
    await o.store.close().catch(() => undefined);
  }
  open = [];
});

async function studio(dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-run-flow-')), watchdog?: ConstructorParameters<typeof Engine>[0]['watchdog']) {
  const store = await openSqlJsStore(path.join(dir, 'store'));
  const registry = createRegistry();
  const engine = new Engine({ store, registry, dataDir: dir, watchdog });
  await engine.recover();
  const h = { dir, store, engine, flows: new FlowLibrary(store, registry) };
  open.push(h);
  return h;
}

async function runToEnd(h: Awaited<ReturnType<typeof studio>>, doc: FlowDocument, records: Array<Record<string, unknown>>) {
  const run = await h.engine.startRun(doc, { input: { records: records as never } });
  await h.engine.waitForRun(run.id);
  return { run, summary: await h.engine.summary(run.id), records: (await h.store.listRecords(run.id)).items };
}

describe('flow.run (Run flow)', () => {
  it('waits for the child flow: its record\'s result becomes the step\'s output, with the child run', async () => {
    const h = await studio();
    await h.flows.import(chain('child', [greet]), 'replace');
    const parent = chain('parent', [['call', 'flow.run', { flowId: 'child' }], ['after', 'core.set-fields', { fields: [{ name: 'seen', value: 'greeting' }] }]]);
    const { run, records } = await runToEnd(h, parent, [{ name: 'Ada' }, { name: 'Bo' }]);
    expect(records.map((r) => r.status)).toEqual(['success', 'success']);
    expect(records[0].output).toMatchObject({ name: 'Ada', greeting: 'Hello Ada', seen: 'Hello Ada', childRun: { flowId: 'child', status: 'completed', outcome: 'success' } });
    expect(records[1].output).toMatchObject({ name: 'Bo', greeting: 'Hello Bo' });
    const childId = (records[0].output!.childRun as { id: string }).id;
    expect((records[0].output!.childRun as { url: string }).url).toBe(`/runs/${childId}`);
    const child = (await h.store.getRun(childId))!;
    expect(child.status).toBe('completed');
    // The child run remembers who called it.
    expect(child.settings).toMatchObject({ caller: { runId: run.id, flowId: 'parent', recordIndex: 0, nodeId: 'call' }, lineage: ['parent'] });
    expect(await h.store.listRuns({ flowId: 'child' })).toHaveLength(2);
  });

  it('passes an object made by the input expression, not the whole record', async () => {
    const h = await studio();
    await h.flows.import(chain('child', [greet]), 'replace');
    const parent = chain('parent', [['call', 'flow.run', { flowId: 'child', input: '{ "name": $uppercase(first) }' }]]);
    const { records } = await runToEnd(h, parent, [{ first: 'ada', secret: 'not for the child' }]);
    expect(records[0].output).toMatchObject({ name: 'ADA', greeting: 'Hello ADA' });
    const child = (await h.store.listRecords((records[0].output!.childRun as { id: string }).id)).items[0];
    expect(child.data).toEqual({ name: 'ADA' });
  });

  it('an empty input, its default as the editor writes it, is accepted on save and passes the record as it is', async () => {
    const h = await studio();
    await h.flows.import(chain('child', [greet]), 'replace');
    const parent = await h.flows.import(chain('parent', [['call', 'flow.run', { flowId: 'child', input: '', wait: true, field: 'childRun' }]]), 'replace');
    const { records } = await runToEnd(h, parent.flow, [{ name: 'Ada', city: 'Lyon' }]);
    const child = (await h.store.listRecords((records[0].output!.childRun as { id: string }).id)).items[0];
    expect(child.data).toEqual({ name: 'Ada', city: 'Lyon' });
  });

  it('without waiting: goes on at once with the child run id; the child finishes on its own', async () => {
    const h = await studio();
    await h.flows.import(chain('slow', [['nap', 'core.delay', { ms: 600 }], greet]), 'replace');
    const parent = chain('parent', [['call', 'flow.run', { flowId: 'slow', wait: false }]]);
    const { summary, records } = await runToEnd(h, parent, [{ name: 'Cy' }]);
    expect(summary.status).toBe('completed');
    const info = records[0].output!.childRun as { id: string; status: string };
    expect(info.status).toBe('running');
    expect(records[0].output).not.toHaveProperty('greeting');
    expect(h.engine.isActive(info.id)).toBe(true);
    await h.engine.waitForRun(info.id);
    const child = (await h.store.listRecords(info.id)).items[0];
    expect(child).toMatchObject({ status: 'success', output: { name: 'Cy', greeting: 'Hello Cy' } });
  });

  it('a child failure fails the step with the child\'s error code and a link to the child run', async () => {
    const h = await studio();
    await h.flows.import(chain('broken', [['split', 'core.split', { field: 'items' }]]), 'replace');
    const parent = chain('parent', [['call', 'flow.run', { flowId: 'broken' }]]);
    const { records } = await runToEnd(h, parent, [{ name: 'Di' }]);
    expect(records[0].status).toBe('failed');
    expect(records[0].error).toMatchObject({ code: 'E_SPLIT_NOT_ARRAY', nodeId: 'call' });
    const [child] = await h.store.listRuns({ flowId: 'broken' });
    expect(records[0].error!.message).toContain(`run ${child.id}`);
    expect(records[0].error!.hint).toContain(`/runs/${child.id}`);
  });

  it('refuses recursion: a flow calling itself or a cycle at save time, a cycle that got saved anyway at run time, and chains deeper than 8', async () => {
    const h = await studio();
    const self = await h.flows.import(chain('loop', [['call', 'flow.run', { flowId: 'loop' }]]), 'replace').catch((e) => e);
    expect(self).toMatchObject({ code: 'E_FLOW_INVALID', details: { problems: [expect.objectContaining({ code: 'E_FLOW_RECURSION', nodeId: 'call' })] } });
    await h.flows.import(chain('a', [['call', 'flow.run', { flowId: 'b' }]]), 'replace');
    const cycle = await h.flows.import(chain('b', [['call', 'flow.run', { flowId: 'a' }]]), 'replace').catch((e) => e);
    expect(cycle).toMatchObject({ code: 'E_FLOW_INVALID' });
    expect(cycle.details.problems[0].message).toContain('b → a → b');
    expect(await h.store.getFlow('b')).toBeNull();

    // Written behind the library's back (an old database, a hand-edited store): the run refuses the loop.
    await h.store.putFlow(chain('b', [['call', 'flow.run', { flowId: 'a' }]]));
    const looped = await runToEnd(h, (await h.store.getFlow('a'))!.doc, [{}]);
    expect(looped.records[0].error).toMatchObject({ code: 'E_FLOW_RECURSION' });
    expect(await h.store.listRuns({ flowId: 'a' })).toHaveLength(1);
    expect(await h.store.listRuns({ flowId: 'b' })).toHaveLength(1);

    for (let i = 0; i < 10; i++) await h.flows.import(chain(`d${i}`, i < 9 ? [['call', 'flow.run', { flowId: `d${i + 1}` }]] : [greet]), 'replace');
    const deep = await runToEnd(h, (await h.store.getFlow('d0'))!.doc, [{ name: 'x' }]);
    expect(deep.records[0].error).toMatchObject({ code: 'E_FLOW_DEPTH' });
    expect(await h.store.listRuns({ flowId: 'd8' })).toHaveLength(0);
    expect(await h.store.listRuns({ flowId: 'd7' })).toHaveLength(1);
  });

  it('a restart while waiting starts no second child: the resumed step waits for the same run and takes its result', async () => {
    const first = await studio();
    await first.flows.import(chain('slow', [['nap', 'core.delay', { ms: 800 }], greet]), 'replace');
    const parent = chain('parent', [['call', 'flow.run', { flowId: 'slow' }]]);
    const run = await first.engine.startRun(parent, { input: { records: [{ name: 'Ed' }] } });
    for (let i = 0; i < 100 && (await first.store.listRuns({ flowId: 'slow' })).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    const [child] = await first.store.listRuns({ flowId: 'slow' });
    expect(child.id).toMatch(/^run_c[0-9a-f]{24}$/);
    // The studio stops while the step waits: the wait ends uncommitted, both runs pause.
    await first.engine.shutdown();
    expect((await first.store.getRun(run.id))!.status).toBe('paused');
    // Nothing committed: the trigger's step is not stored, and the waiting step ended uncommitted.
    expect((await first.store.listSteps(run.id, 0)).map((s) => s.nodeId)).toEqual([]);
    await first.store.close();
    open = [];

    const second = await studio(first.dir);
    await second.engine.resume(run.id);
    await second.engine.waitForRun(run.id);
    const [record] = (await second.store.listRecords(run.id)).items;
    expect(record).toMatchObject({ status: 'success', output: { name: 'Ed', greeting: 'Hello Ed', childRun: { id: child.id, status: 'completed' } } });
    expect(await second.store.listRuns({ flowId: 'slow' })).toHaveLength(1);
    expect((await second.store.listRecords(child.id)).items.map((r) => r.status)).toEqual(['success']);
  });

  it('Stop while waiting, then Resume: the same child run is waited for again', async () => {
    const h = await studio();
    await h.flows.import(chain('slow', [['nap', 'core.delay', { ms: 500 }], greet]), 'replace');
    const run = await h.engine.startRun(chain('parent', [['call', 'flow.run', { flowId: 'slow' }]]), { input: { records: [{ name: 'Flo' }] } });
    for (let i = 0; i < 100 && (await h.store.listRuns({ flowId: 'slow' })).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await h.engine.stop(run.id);
    await h.engine.waitForRun(run.id);
    await h.engine.resume(run.id);
    await h.engine.waitForRun(run.id);
    expect((await h.store.listRecords(run.id)).items[0]).toMatchObject({ status: 'success', output: { greeting: 'Hello Flo' } });
    expect(await h.store.listRuns({ flowId: 'slow' })).toHaveLength(1);
  });

  it('a caller waiting for a child that makes progress is not flagged as stalled; a quiet one is', async () => {
    // The busy child moves every 60 ms, over three times within the 400 ms bound even when a loaded
    // machine makes each step late (a 250 ms bound against 120 ms steps was crossed at load 12);
    // the quiet one is silent three times longer than the bound.
    const h = await studio(undefined, { stallMs: 400, checkMs: 60_000 });
    const naps = (n: number, ms: number): Step[] => Array.from({ length: n }, (_, i) => [`nap${i}`, 'core.delay', { ms }] as Step);
    await h.flows.import(chain('busy', naps(12, 60)), 'replace');
    await h.flows.import(chain('quiet', naps(1, 1200)), 'replace');
    const stalled = async (flowId: string) => {
      const run = await h.engine.startRun(chain(`caller-${flowId}`, [['call', 'flow.run', { flowId }]]), { input: { records: [{}] } });
      const checks = setInterval(() => h.engine.checkStalls(), 50);
      await h.engine.waitForRun(run.id);
      clearInterval(checks);
      await h.engine.flushLogs();
      return (await h.store.listLogs(run.id, { limit: 500 })).items.some((l) => l.message.includes('E_RUN_STALLED'));
    };
    expect(await stalled('busy')).toBe(false);
    expect(await stalled('quiet')).toBe(true);
  });
});
