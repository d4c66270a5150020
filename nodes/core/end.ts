import { z } from 'zod';
import { defineNode, endWith } from '../sdk/define-node.ts';
import { TERMINAL_STATUSES, type TerminalStatus } from '../sdk/types.ts';
import { renderTemplate } from '../../server/contract/expression/template.ts';
import { END_NODE_TYPE } from '../../server/contract/end-step.ts';

const params = z.object({
  status: z
    .enum(TERMINAL_STATUSES as [TerminalStatus, ...TerminalStatus[]])
    .default('success')
    .describe('How the record ends: success (done), failed (could not be done), needs_review (a person should look at it) or skipped (deliberately left out).')
    .meta({ title: 'Status' }),
  reason: z
    .string()
    .default('')
    .describe('Optional: why the record ends this way, shown next to it in the results. May contain {{ placeholders }}, e.g. Amount {{ amount }} is above the limit.')
    .meta({ title: 'Reason', widget: 'template' }),
});

export const end = defineNode({
  type: END_NODE_TYPE,
  title: 'End with status',
  category: 'Output',
  description: 'Finishes the record here with the status you choose (for example "needs review") and an optional reason.',
  icon: 'flag',
  params,
  outputs: [],
  effect: 'none',
  async run(ctx) {
    const reason = (await renderTemplate(ctx.params.reason, ctx.input, 'the reason')).trim();
    return endWith(ctx.params.status, reason === '' ? undefined : reason);
  },
});
