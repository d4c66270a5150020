import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { defineNode, defineTrigger, out, outMany, endWith } from '../../../nodes/sdk/define-node.ts';
import { NodeError } from '../../../server/contract/node-error.ts';
import type { AnyNodeDefinition, RecordData } from '../../../nodes/sdk/types.ts';
import { NodeRegistry } from '../../../nodes/registry.ts';
import { Engine } from '../../../server/engine/engine.ts';
import type { EngineEvent } from '../../../server/engine/events.ts';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import type { Store } from '../../../server/store/types.ts';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';

/** Small node types that make engine behaviour easy to observe. */
export const probe = { active: 0, maxActive: 0, calls: new Map<string, number>(), opened: [] as string[], closed: [] as string[] };

export const testNodes: AnyNodeDefinition[] = [
  defineTrigger({
    type: 'test.trigger', title: 'Trigger', category: 'Triggers', description: 'records from params', effect: 'none',
    params: z.object({ records: z.array(z.record(z.string(), z.any())).default([]) }),
    outputs: [{ id: 'out', label: 'Out' }],
    records: (p, input) => (input?.records as RecordData[] | undefined) ?? (p.records as RecordData[]),
  }),
  defineNode({
    type: 'test.add', title: 'Add', category: 'Data', description: 'adds a number', effect: 'none',
    params: z.object({ field: z.string().default('n'), by: z.number().default(1), waitMs: z.number().default(0) }),
    inputs: [{ id: 'in', label: 'In' }], outputs: [{ id: 'out', label: 'Out' }],
    async run(ctx) {
      const key = `${ctx.record.index}:${ctx.node.id}`;
      probe.calls.set(key, (probe.calls.get(key) ?? 0) + 1);
      probe.active++;
      probe.maxActive = Math.max(probe.maxActive, probe.active);
      try {
        if (ctx.params.waitMs) await new Promise((r) => setTimeout(r, ctx.params.waitMs));
        return out({ ...ctx.input, [ctx.params.field]: Number(ctx.input[ctx.params.field] ?? 0) + ctx.params.by });
      } finally {
        probe.active--;
      }
    },
  }),
  defineNode({
    type: 'test.gate', title: 'Gate', category: 'Flow', description: 'even/odd', effect: 'none',
    params: z.object({}), inputs: [{ id: 'in', label: 'In' }], outputs: [{ id: 'even', label: 'Even' }, { id: 'odd', label: 'Odd' }],
    run: (ctx) => out(ctx.input, Number(ctx.input.n) % 2 === 0 ? 'even' : 'odd'),
  }),
  defineNode({
    type: 'test.explode', title: 'Explode', category: 'Flow', description: 'one per item', effect: 'none',
    params: z.object({}), inputs: [{ id: 'in', label: 'In' }], outputs: [{ id: 'out', label: 'Out' }],
    run: (ctx) => outMany((ctx.input.items as number[]).map((n) => ({ n }))),
  }),
  defineNode({
    type: 'test.gather', title: 'Gather', category: 'Flow', description: 'collect', effect: 'none', collect: true,
    params: z.object({}), inputs: [{ id: 'in', label: 'In' }], outputs: [{ id: 'out', label: 'Out' }],
    run: (ctx) => out({ values: (ctx.collected ?? []).map((d) => d.n as number) }),
  }),
  defineNode({
    type: 'test.flaky', title: 'Flaky', category: 'Network', description: 'fails first N attempts', effect: 'idempotent',
    params: z.object({ failTimes: z.number().default(1), transient: z.boolean().default(true), failWhenOdd: z.boolean().default(false) }),
    inputs: [{ id: 'in', label: 'In' }], outputs: [{ id: 'out', label: 'Out' }],
    run(ctx) {
      if (ctx.params.failWhenOdd && Number(ctx.input.n) % 2 === 1) throw new NodeError('E_ODD', `n=${ctx.input.n} is odd`, 'use even numbers');
      if (!ctx.params.failWhenOdd && ctx.attempt <= ctx.params.failTimes) throw new NodeError('E_FLAKY', `attempt ${ctx.attempt} failed`, 'retry', { transient: ctx.params.transient });
      return out(ctx.input);
    },
  }),
  defineNode({
    type: 'test.effect', title: 'Effect', category: 'Network', description: 'counts calls per record (unsafe)', effect: 'unsafe',
    params: z.object({ hang: z.boolean().default(false) }),
    inputs: [{ id: 'in', label: 'In' }], outputs: [{ id: 'out', label: 'Out' }],
    async run(ctx) {
      const key = `${ctx.record.index}:${ctx.node.id}`;
      probe.calls.set(key, (probe.calls.get(key) ?? 0) + 1);
      if (ctx.params.hang) await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))));
      return out({ ...ctx.input, sent: true });
    },
  }),
  defineNode({
    type: 'test.resource', title: 'Resource', category: 'Network', description: 'opens a run and a record resource', effect: 'none',
    params: z.object({ waitMs: z.number().default(0) }),
    inputs: [{ id: 'in', label: 'In' }], outputs: [{ id: 'out', label: 'Out' }],
    async run(ctx) {
      const browser = await ctx.resources.run.get('browser', async () => (probe.opened.push('browser'), 'B'), () => void probe.closed.push('browser'));
      const page = await ctx.resources.record.get('page', async () => (probe.opened.push(`page${ctx.record.index}`), `P${ctx.record.index}`), () => void probe.closed.push(`page${ctx.record.index}`));
      if (ctx.params.waitMs) await new Promise((r) => setTimeout(r, ctx.params.waitMs));
      return out({ ...ctx.input, used: `${browser}/${page}` });
    },
  }),
  defineNode({
    type: 'test.hang', title: 'Hang', category: 'Flow', description: 'never ends unless aborted', effect: 'none',
    params: z.object({}), inputs: [{ id: 'in', label: 'In' }], outputs: [{ id: 'out', label: 'Out' }],
    run: () => new Promise(() => undefined),
  }),
  defineNode({
    type: 'test.end', title: 'End', category: 'Output', description: 'end with status', effect: 'none',
    params: z.object({ status: z.enum(['success', 'failed', 'needs_review', 'skipped']).default('success') }),
    inputs: [{ id: 'in', label: 'In' }], outputs: [],
    run: (ctx) => endWith(ctx.params.status, `ended ${ctx.params.status}`),
  }),
];

export function flow(
  nodes: Array<[id: string, type: string, params?: Record<string, unknown>, policy?: FlowDocument['nodes'][number]['policy']]>,
  edges: Array<[string, string, string?]>,
  concurrency = 4,
  settings: Partial<FlowDocument['settings']> = {},
): FlowDocument {
  return {
    format: FLOW_FORMAT,
    id: 'f1',
    name: 'Test flow',
    description: '',
    settings: { concurrency, ...settings },
    nodes: nodes.map(([id, type, params, policy], i) => ({ id, type, position: { x: i * 200, y: 0 }, params: params ?? {}, ...(policy ? { policy } : {}) })),
    edges: edges.map(([source, target, port], i) => ({ id: `e${i}`, source, sourcePort: port ?? 'out', target, targetPort: 'in' })),
  };
}

export interface Harness {
  dir: string;
  store: Store;
  engine: Engine;
  events: EngineEvent[];
  close(): Promise<void>;
}

export async function openHarness(dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-engine-'))): Promise<Harness> {
  probe.active = 0;
  probe.maxActive = 0;
  probe.calls.clear();
  probe.opened.length = 0;
  probe.closed.length = 0;
  const store = await openSqlJsStore(path.join(dir, 'store'));
  const engine = new Engine({ store, registry: new NodeRegistry(testNodes), dataDir: dir });
  const events: EngineEvent[] = [];
  engine.on((e) => events.push(e));
  return {
    dir,
    store,
    engine,
    events,
    async close() {
      await engine.shutdown();
      await store.close();
    },
  };
}

export const records = (n: number, f: (i: number) => RecordData = (i) => ({ n: i })) => Array.from({ length: n }, (_, i) => f(i));
