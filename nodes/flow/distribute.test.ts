import { describe, expect, it } from 'vitest';
import { dynamicPorts } from '../../server/contract/ports.ts';
import { distribute, windowKeyOf } from './distribute.ts';
import { MemoryState, failureOf, runNode } from '../sdk/testing.ts';
import type { NodeContext, RecordData } from '../sdk/types.ts';

const three = [
  { id: 'a', label: 'Alice', account: 'alice-smtp', weight: 1 },
  { id: 'b', label: 'Bob', account: 'bob-smtp', weight: 2 },
  { id: 'c', label: 'Carol', account: 'carol-smtp', weight: 3 },
];

/** Runs the node `n` times over one MemoryState (as the engine would, committing each step's writes). */
async function route(params: Record<string, unknown>, n: number, state = new MemoryState(), extra: Partial<NodeContext<any>> = {}) {
  const ports: string[] = [];
  const data: RecordData[] = [];
  for (let i = 0; i < n; i++) {
    const { result } = await runNode(distribute, params, { n: i }, { state, record: { id: `r:${i}`, index: i }, ...extra });
    state.apply(result);
    expect(result.emit).toHaveLength(1);
    ports.push(result.emit[0].port);
    data.push(result.emit[0].data);
  }
  return { ports, data, state };
}

const count = (ports: string[]) => ports.reduce<Record<string, number>>((m, p) => ((m[p] = (m[p] ?? 0) + 1), m), {});

describe('flow.distribute', () => {
  it('has one way out per target, defaults to round robin over flow-scoped counters, refuses duplicate or reserved ids', () => {
    const p = distribute.params.parse({ targets: three });
    expect(p).toMatchObject({ strategy: 'round_robin', field: 'account', scope: 'flow', seed: '' });
    expect(p.targets[0]).toMatchObject({ weight: 1, capWindow: 'day' });
    expect(dynamicPorts(distribute.dynamicOutputs, p)).toEqual([
      { id: 'a', label: 'Alice' },
      { id: 'b', label: 'Bob' },
      { id: 'c', label: 'Carol' },
    ]);
    expect(typeof distribute.state === 'function' && distribute.state(distribute.params.parse({ scope: 'run' }))).toBe('run');
    expect(dynamicPorts(distribute.dynamicOutputs, distribute.params.parse({})).length).toBeGreaterThan(0);
    const dup = distribute.params.safeParse({ targets: [{ id: 'a' }, { id: 'a' }] });
    expect(dup.success).toBe(false);
    expect(dup.error!.issues[0].message).toMatch(/Two targets use the id "a"/);
    expect(distribute.params.safeParse({ targets: [{ id: 'error' }] }).error!.issues[0].message).toMatch(/reserved/);
    expect(distribute.params.safeParse({ targets: [{ id: 'has space' }] }).success).toBe(false);
    expect(distribute.params.safeParse({ targets: [] }).success).toBe(false);
    expect(distribute.params.safeParse({ targets: [{ id: 'a', weight: 0 }] }).success).toBe(false);
  });

  it('round robin: each target in turn, the record carries the account and the target id, each choice is logged', async () => {
    const { ports, data, state } = await route({ targets: three }, 7);
    expect(ports).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
    expect(data[1]).toEqual({ n: 1, account: 'bob-smtp', accountTarget: 'b' });
    expect(await state.get('t:a')).toMatchObject({ total: 3, windowCount: 3 });
    expect(await state.get('picks')).toBe(7);
    const { ctx } = await runNode(distribute, { targets: three, field: 'sender' }, { n: 0 }, { state });
    expect(ctx.logs[0]).toMatchObject({ level: 'info', data: { target: 'b', account: 'bob-smtp', strategy: 'round_robin' } });
    expect(ctx.logs[0].message).toMatch(/Sent to Bob \(bob-smtp\) by round robin/);
    const { result } = await runNode(distribute, { targets: [{ id: 'x' }], field: 'sender' }, { n: 0 });
    expect(result.emit[0]).toEqual({ port: 'x', data: { n: 0, sender: 'x', senderTarget: 'x' } });
  });

  it('weighted: exact shares by weight', async () => {
    const { ports } = await route({ strategy: 'weighted', targets: three }, 60);
    expect(count(ports)).toEqual({ a: 10, b: 20, c: 30 });
    // Every prefix stays within one record of its share.
    const seen = { a: 0, b: 0, c: 0 } as Record<string, number>;
    ports.forEach((p, i) => {
      seen[p]++;
      for (const t of three) expect(Math.abs(seen[t.id] - ((i + 1) * t.weight) / 6)).toBeLessThanOrEqual(1);
    });
  });

  it('least used: the target with the fewest records by the persisted counters, ties in list order', async () => {
    const state = new MemoryState();
    state.values.set('t:a', { total: 5, lastAt: null, windowKey: null, windowCount: 0 });
    state.values.set('t:c', { total: 1, lastAt: null, windowKey: null, windowCount: 0 });
    const { ports } = await route({ strategy: 'least_used', targets: three }, 10, state);
    expect(ports).toEqual(['b', 'b', 'c', 'b', 'c', 'b', 'c', 'b', 'c', 'a']);
    expect(await state.get('t:a')).toMatchObject({ total: 6 });
  });

  it('random: weighted by weight, reproducible for the same seed, different for another seed', async () => {
    const one = await route({ strategy: 'random', seed: 'spring', targets: three }, 600);
    const again = await route({ strategy: 'random', seed: 'spring', targets: three }, 600);
    const other = await route({ strategy: 'random', seed: 'autumn', targets: three }, 600);
    expect(again.ports).toEqual(one.ports);
    expect(other.ports).not.toEqual(one.ports);
    const c = count(one.ports);
    expect(c.a).toBeGreaterThan(60);
    expect(c.c).toBeGreaterThan(c.a);
    // Resuming from the persisted pick counter continues the very same sequence.
    const half = await route({ strategy: 'random', seed: 'spring', targets: three }, 300);
    const rest = await route({ strategy: 'random', seed: 'spring', targets: three }, 300, half.state);
    expect([...half.ports, ...rest.ports]).toEqual(one.ports);
  });

  it('caps: a capped target is skipped until its window passes; all capped → E_DISTRIBUTE_CAPPED naming caps and window', async () => {
    const targets = [
      { id: 'a', account: 'alice', cap: 2, capWindow: 'run' },
      { id: 'b', account: 'bob', cap: 1, capWindow: 'day' },
    ];
    const { ports, state } = await route({ targets }, 3);
    expect(ports).toEqual(['a', 'b', 'a']);
    const err = await failureOf(() => runNode(distribute, { targets }, { n: 3 }, { state }));
    expect(err).toMatchObject({ code: 'E_DISTRIBUTE_CAPPED', transient: false });
    expect(err.message).toMatch(/a \(alice\): 2 of 2 per run; b \(bob\): 1 of 1 per day/);
    expect(err.hint).toMatch(/Raise the caps, add accounts, or wait/);
    // Another run is a new window for a per-run cap; a capped-per-day target stays capped.
    const next = await runNode(distribute, { targets }, { n: 4 }, { state, run: { id: 'run_2', flowId: 'flow_test' } });
    expect(next.result.emit[0].port).toBe('a');
    // A day cap counted on an earlier day no longer holds.
    state.values.set('t:b', { total: 1, lastAt: 0, windowKey: '2020-01-01', windowCount: 1 });
    state.values.set('t:a', { total: 2, lastAt: 0, windowKey: windowKeyOf('run', Date.now(), 'run_test'), windowCount: 2 });
    const after = await runNode(distribute, { targets }, { n: 5 }, { state });
    expect(after.result.emit[0].port).toBe('b');
    expect(after.result.state).toContainEqual({ key: 't:b', value: expect.objectContaining({ total: 2, windowCount: 1, windowKey: new Date().toISOString().slice(0, 10) }) });
  });

  it('weighted and least used skip a capped target too', async () => {
    const targets = [
      { id: 'a', weight: 5, cap: 1, capWindow: 'total' },
      { id: 'b', weight: 1 },
    ];
    expect((await route({ strategy: 'weighted', targets }, 4)).ports).toEqual(['a', 'b', 'b', 'b']);
    expect((await route({ strategy: 'least_used', targets }, 3)).ports).toEqual(['a', 'b', 'b']);
    expect(count((await route({ strategy: 'random', targets, seed: 'x' }, 10)).ports)).toEqual({ a: 1, b: 9 });
  });

  it('cooldown: a cooling target is skipped; when every target cools down it waits for the first one free', async () => {
    const targets = [
      { id: 'a', cooldownSeconds: 0.15 },
      { id: 'b', cooldownSeconds: 0.3 },
    ];
    const state = new MemoryState();
    const { ports } = await route({ strategy: 'least_used', targets }, 2, state);
    expect(ports).toEqual(['a', 'b']);
    // Both cool down: least used would tie, but only a becomes free first.
    const third = await runNode(distribute, { strategy: 'least_used', targets }, { n: 2 }, { state });
    expect(third.result.emit[0].port).toBe('a');
    expect(third.ctx.logs.map((l) => l.message).join('\n')).toMatch(/cooling down: waiting/);
  });

  it('a cooldown wait honours the abort signal', async () => {
    const state = new MemoryState();
    state.values.set('t:a', { total: 1, lastAt: Date.now(), windowKey: null, windowCount: 0 });
    const controller = new AbortController();
    const pending = runNode(distribute, { targets: [{ id: 'a', cooldownSeconds: 3600 }] }, {}, { state, signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const err = await failureOf(() => pending);
    expect(err.name).toBe('AbortError');
    expect(await state.get('t:a')).toMatchObject({ total: 1 });
  });
});
