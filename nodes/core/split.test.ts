import { describe, expect, it } from 'vitest';
import { split } from './split.ts';
import { failureOf, runNode } from '../sdk/testing.ts';

const order = { orderId: 'A1', items: [{ sku: 'x' }, { sku: 'y' }] };

describe('core.split', () => {
  it('has Each element and Empty list outputs and sensible defaults', () => {
    expect(split.outputs.map((p) => p.id)).toEqual(['out', 'empty']);
    expect(split.params.parse({})).toEqual({ field: 'items', as: 'item', keepParentFields: true });
  });

  it('emits one record per element with the parent fields (minus the list), the element and its index', async () => {
    const { result } = await runNode(split, {}, order);
    expect(result.emit).toEqual([
      { port: 'out', data: { orderId: 'A1', item: { sku: 'x' }, itemIndex: 0 } },
      { port: 'out', data: { orderId: 'A1', item: { sku: 'y' }, itemIndex: 1 } },
    ]);
    expect(order.items).toHaveLength(2); // input untouched
  });

  it('can leave out the parent fields and store elements under another name', async () => {
    const { result } = await runNode(split, { as: 'line', keepParentFields: false }, order);
    expect(result.emit.map((e) => e.data)).toEqual([
      { line: { sku: 'x' }, lineIndex: 0 },
      { line: { sku: 'y' }, lineIndex: 1 },
    ]);
  });

  it('splits the result of an expression (parent fields are all kept then)', async () => {
    const { result } = await runNode(split, { field: '$split(tags, ",")', as: 'tag' }, { id: 1, tags: 'a,b,c' });
    expect(result.emit.map((e) => e.data)).toEqual([
      { id: 1, tags: 'a,b,c', tag: 'a', tagIndex: 0 },
      { id: 1, tags: 'a,b,c', tag: 'b', tagIndex: 1 },
      { id: 1, tags: 'a,b,c', tag: 'c', tagIndex: 2 },
    ]);
    const nested = await runNode(split, { field: 'order.lines', keepParentFields: false }, { order: { lines: [1] } });
    expect(nested.result.emit).toEqual([{ port: 'out', data: { item: 1, itemIndex: 0 } }]);
  });

  it('sends the record once to Empty list when the list is empty or null', async () => {
    for (const items of [[], null]) {
      const input = { orderId: 'A2', items };
      expect((await runNode(split, {}, input)).result).toEqual({ emit: [{ port: 'empty', data: input }] });
    }
  });

  it('fails with E_SPLIT_NOT_ARRAY when there is no list', async () => {
    const missing = await failureOf(() => runNode(split, {}, { orderId: 'A3' }));
    expect(missing).toMatchObject({ code: 'E_SPLIT_NOT_ARRAY', transient: false });
    expect(missing.message).toMatch(/has no field "items"/);
    const text = await failureOf(() => runNode(split, {}, { items: 'a,b' }));
    expect(text.code).toBe('E_SPLIT_NOT_ARRAY');
    expect(text.message).toMatch(/is the text "a,b", not a list/);
    const object = await failureOf(() => runNode(split, { field: 'order' }, { order: { a: 1 } }));
    expect(object.message).toMatch(/a single object/);
  });

  it('reports expression errors', async () => {
    expect((await failureOf(() => runNode(split, { field: '$split(' }, {}))).code).toBe('E_EXPRESSION_INVALID');
  });

  it('refuses an empty or reserved field name for the element', () => {
    expect(split.params.safeParse({ as: '' }).success).toBe(false);
    expect(split.params.safeParse({ as: '__proto__' }).success).toBe(false);
  });
});
