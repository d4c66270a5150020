import { z } from 'zod';
import { defineNode, out } from '../sdk/define-node.ts';
import { sleep } from '../sdk/abort.ts';

const params = z.object({
  ms: z
    .number()
    .int('Use a whole number of milliseconds.')
    .min(0, 'The wait cannot be negative.')
    .max(3_600_000, 'The wait can be at most one hour (3600000 ms).')
    .default(1000)
    .describe('How long to wait, in milliseconds: 1000 is one second, 60000 one minute (at most one hour).')
    .meta({ title: 'Wait (milliseconds)' }),
});

export const delay = defineNode({
  type: 'core.delay',
  title: 'Delay',
  category: 'Flow',
  description: 'Waits a while before passing each record on, e.g. to respect a service\'s rate limit.',
  icon: 'hourglass',
  params,
  effect: 'none',
  async run(ctx) {
    if (ctx.params.ms > 0) await sleep(ctx.params.ms, ctx.signal);
    return out(ctx.input);
  },
});
