import { z } from 'zod';
import { defineNode, out } from '../sdk/define-node.ts';
import type { RecordData } from '../sdk/types.ts';
import { fieldName } from '../sdk/fields.ts';

const params = z.object({
  into: fieldName('items')
    .describe('In "list" mode, the name of the field that receives the list of gathered records.')
    .meta({ title: 'Field for the list' }),
  mode: z
    .enum(['list', 'merge'])
    .default('list')
    .describe('list: one record with a single field holding all gathered records in order, e.g. { "items": [ ... ] }. merge: one record with the fields of all gathered records combined; when several have the same field, the last one wins.')
    .meta({ title: 'Combine as' }),
});

export const collect = defineNode({
  type: 'core.collect',
  title: 'Collect',
  category: 'Flow',
  description:
    'Waits for all the records a Split (or other fan-out) made from one record and combines them into one: a list of them under one field, or all their fields merged.',
  icon: 'combine',
  params,
  outputs: [{ id: 'out', label: 'Collected' }],
  effect: 'none',
  collect: true,
  run(ctx) {
    // Outside any fan-out the engine may not set `collected`: the record is then its own group.
    const gathered = ctx.collected ?? [ctx.input];
    if (ctx.params.mode === 'list') return out({ [ctx.params.into]: gathered });
    const merged: RecordData = {};
    for (const data of gathered) {
      for (const key of Object.keys(data)) {
        // defineProperty, not assignment: a field named "__proto__" must stay a plain field
        Object.defineProperty(merged, key, { value: data[key], writable: true, enumerable: true, configurable: true });
      }
    }
    return out(merged);
  },
});
