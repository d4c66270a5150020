import { describe, expect, it } from 'vitest';
import type { RecordData } from '../sdk/types.ts';
import { collect } from './collect.ts';
import { runNode } from '../sdk/testing.ts';

const gathered: RecordData[] = [
  { orderId: 'A1', sku: 'x', price: 1 },
  { orderId: 'A1', sku: 'y', total: 3 },
];

describe('core.collect', () => {
  it('is a collect node with sensible defaults', () => {
    expect(collect).toMatchObject({ collect: true, category: 'Flow', outputs: [{ id: 'out', label: 'Collected' }] });
    expect(collect.params.parse({})).toEqual({ into: 'items', mode: 'list' });
  });

  it('list mode: one record holding the gathered records in order', async () => {
    const { result } = await runNode(collect, {}, gathered[0], { collected: gathered });
    expect(result).toEqual({ emit: [{ port: 'out', data: { items: gathered } }] });
    const named = await runNode(collect, { into: 'lines' }, gathered[0], { collected: gathered });
    expect(named.result.emit[0].data).toEqual({ lines: gathered });
  });

  it('merge mode: the fields of all gathered records, the last one winning', async () => {
    const { result } = await runNode(collect, { mode: 'merge' }, gathered[0], { collected: gathered });
    expect(result.emit[0].data).toEqual({ orderId: 'A1', sku: 'y', price: 1, total: 3 });
    const proto = await runNode(collect, { mode: 'merge' }, {}, { collected: [JSON.parse('{"__proto__": {"x": 1}}')] });
    expect(Object.getPrototypeOf(proto.result.emit[0].data)).toBe(Object.prototype);
    expect(Object.keys(proto.result.emit[0].data)).toEqual(['__proto__']);
  });

  it('treats a record outside any fan-out as a group of one, and an empty group as empty', async () => {
    expect((await runNode(collect, {}, { a: 1 })).result.emit[0].data).toEqual({ items: [{ a: 1 }] });
    expect((await runNode(collect, {}, { a: 1 }, { collected: [] })).result.emit[0].data).toEqual({ items: [] });
    expect((await runNode(collect, { mode: 'merge' }, { a: 1 }, { collected: [] })).result.emit[0].data).toEqual({});
  });
});
