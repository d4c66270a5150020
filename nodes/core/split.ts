import { z } from 'zod';
import { defineNode, out, outMany } from '../sdk/define-node.ts';
import { NodeError } from '../../server/contract/node-error.ts';
import type { Json, RecordData } from '../sdk/types.ts';
import { evaluate } from '../../server/contract/expression/expression.ts';
import { fieldName } from '../sdk/fields.ts';

/** An expression that is just a top-level field name, e.g. `items` or `line_items`. */
const PLAIN_FIELD = /^[A-Za-z_][A-Za-z0-9_]*$/;

const params = z.object({
  field: z
    .string()
    .default('items')
    .describe('The list to split: usually the name of a field holding a list, e.g. items; or an expression giving a list, e.g. $split(tags, ",") or order.lines.')
    .meta({ title: 'List', widget: 'expression' }),
  as: fieldName('item')
    .describe('The field each new record stores its list element in. Its position in the list (0 for the first) goes into the same name followed by "Index", e.g. item and itemIndex.')
    .meta({ title: 'Store each element as' }),
  keepParentFields: z
    .boolean()
    .default(true)
    .describe('On: each new record also gets all the fields of the original record, except the list field itself. Off: it gets only the element and its position.')
    .meta({ title: 'Keep the other fields' }),
});

export const split = defineNode({
  type: 'core.split',
  title: 'Split',
  category: 'Flow',
  description: 'Turns one record holding a list into one record per list element (use Collect to gather them back).',
  icon: 'split',
  params,
  outputs: [
    { id: 'out', label: 'Each element' },
    { id: 'empty', label: 'Empty list' },
  ],
  effect: 'none',
  async run(ctx) {
    const { field, as, keepParentFields } = ctx.params;
    const input = ctx.input;
    const source = field.trim();
    const plain = PLAIN_FIELD.test(source);
    const list = plain ? input[source] : await evaluate(source, input, 'the list to split');

    if (list === null) return out(input, 'empty');
    if (!Array.isArray(list)) {
      throw new NodeError(
        'E_SPLIT_NOT_ARRAY',
        list === undefined
          ? `The list to split (${source}) found nothing in this record${plain ? `: it has no field "${source}"` : ''}.`
          : `The list to split (${source}) is ${describeValue(list)}, not a list.`,
        'Check the field name, and that this record holds a list there, e.g. "items": [ {...}, {...} ].',
      );
    }
    if (list.length === 0) return out(input, 'empty');

    let base: RecordData = {};
    if (keepParentFields) {
      base = { ...input };
      if (plain) delete base[source];
    }
    const indexField = `${as}Index`;
    const items: RecordData[] = new Array(list.length);
    for (let i = 0; i < list.length; i++) {
      items[i] = { ...base, [as]: list[i] as Json, [indexField]: i };
    }
    return outMany(items);
  },
});

function describeValue(value: Json): string {
  if (typeof value === 'string') return `the text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'a single object';
  return `the ${typeof value} ${String(value)}`;
}
