import { z } from 'zod';
import { defineNode, out } from '../sdk/define-node.ts';
import { renderTemplate } from '../../server/contract/expression/template.ts';

const params = z.object({
  level: z
    .enum(['debug', 'info', 'warn', 'error'])
    .default('info')
    .describe('How important the line is: debug (details), info (normal), warn (something to look at), error (something went wrong).')
    .meta({ title: 'Level' }),
  message: z
    .string()
    .default('Record: {{ $ }}')
    .describe('The line to write to the run log. Put record fields in double braces, e.g. Sent invoice {{ invoiceId }} to {{ email }}; {{ $ }} writes the whole record.')
    .meta({ title: 'Message', widget: 'template' }),
});

export const log = defineNode({
  type: 'core.log',
  title: 'Write to log',
  category: 'Output',
  description: 'Writes a line about each record to the run log, then passes the record on unchanged.',
  icon: 'scroll-text',
  params,
  effect: 'none',
  async run(ctx) {
    const message = await renderTemplate(ctx.params.message, ctx.input, 'the message');
    ctx.log[ctx.params.level](message);
    return out(ctx.input);
  },
});
