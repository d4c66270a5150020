import { z } from 'zod';
import { defineNode, out } from '../sdk/define-node.ts';
import { evaluate, toBoolean } from '../../server/contract/expression/expression.ts';

const params = z.object({
  condition: z
    .string()
    .default('true')
    .describe(
      'A question about the record, e.g. status = "active", $number(amount) > 100 or email and country = "FR". Records for which it holds go out on True, the others on False. Text that is not empty, numbers other than 0 and true count as "holds"; a missing field does not.',
    )
    .meta({ title: 'Condition', widget: 'expression' }),
});

export const ifNode = defineNode({
  type: 'core.if',
  title: 'If',
  category: 'Flow',
  description: 'Sends each record one of two ways, depending on whether a condition holds for it.',
  icon: 'git-branch',
  params,
  outputs: [
    { id: 'true', label: 'True' },
    { id: 'false', label: 'False' },
  ],
  effect: 'none',
  async run(ctx) {
    const value = await evaluate(ctx.params.condition, ctx.input, 'the condition');
    return out(ctx.input, toBoolean(value) ? 'true' : 'false');
  },
});
