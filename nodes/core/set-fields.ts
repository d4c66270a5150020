import { z } from 'zod';
import { defineNode, out } from '../sdk/define-node.ts';
import type { RecordData } from '../sdk/types.ts';
import { evaluate } from '../../server/contract/expression/expression.ts';
import { fieldPath, setPath } from '../sdk/fields.ts';

const params = z.object({
  fields: z
    .array(
      z.object({
        name: fieldPath
          .describe('The name of the field to set. Use a dot to reach a field inside another one, e.g. address.city.')
          .meta({ title: 'Field name' }),
        value: z
          .string()
          .default('""')
          .describe('How to work out the value from the record, e.g. first & " " & last, $uppercase(email) or $number(age) + 1. Put fixed text in double quotes: "Hello".')
          .meta({ title: 'Value', widget: 'expression' }),
      }),
    )
    .default([])
    .describe('The fields to add or change, worked out in order: a field can use the ones set above it. A value that finds nothing is set to null.')
    .meta({ title: 'Fields' }),
  keepOtherFields: z
    .boolean()
    .default(true)
    .describe('On: the record keeps all its other fields. Off: the record leaves with only the fields set here.')
    .meta({ title: 'Keep the other fields' }),
});

export const setFields = defineNode({
  type: 'core.set-fields',
  title: 'Set fields',
  category: 'Data',
  description: 'Adds or changes fields of each record, with values worked out from the record itself.',
  icon: 'pencil-line',
  params,
  effect: 'none',
  async run(ctx) {
    const { fields, keepOtherFields } = ctx.params;
    // `working` is what the expressions see: the record plus the fields set so far.
    const working: RecordData = { ...ctx.input };
    const result: RecordData = keepOtherFields ? working : {};
    for (let i = 0; i < fields.length; i++) {
      const { name, value: source } = fields[i];
      const value = (await evaluate(source, working, `the value of field "${name}"`)) ?? null;
      if (name.indexOf('.') === -1) {
        working[name] = value;
        if (result !== working) result[name] = value;
      } else {
        const path = name.split('.');
        setPath(working, path, value);
        if (result !== working) setPath(result, path, value);
      }
    }
    return out(result);
  },
});
