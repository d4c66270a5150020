import { z } from 'zod';
import { defineBrowserStep } from './lib/define-step.ts';
import { out } from '../sdk/define-node.ts';
import { fieldName } from '../sdk/fields.ts';
import { maskedScreenshot } from './lib/screenshot.ts';

const params = z.object({
  name: z
    .string()
    .trim()
    .regex(/^[\w.-]{1,80}$/, 'Use letters, digits, dots, dashes and underscores only, e.g. confirmation.png.')
    .default('page.png')
    .describe('The name of the picture in the record\'s evidence, e.g. confirmation.png.')
    .meta({ title: 'File name' }),
  fullPage: z.boolean().default(false).describe('On: the whole page, scrolled from top to bottom. Off: only what fits in the window.').meta({ title: 'Whole page' }),
  mask: z
    .array(z.string().trim().min(1))
    .default([])
    .describe('Extra parts of the page to paint over, as selectors (e.g. .card-number). Password fields are always painted over.')
    .meta({ title: 'Hide also' }),
  field: fieldName('screenshot').describe('The record field that receives the picture\'s evidence reference.').meta({ title: 'Store reference in field' }),
});

export const browserScreenshot = defineBrowserStep({
  type: 'browser.screenshot',
  title: 'Browser: screenshot',
  description: 'Keeps a picture of the open page with the record\'s evidence. Password fields are painted over.',
  icon: 'camera',
  params,
  effect: 'none',
  async act(ctx, page, p) {
    const png = await maskedScreenshot(page, { fullPage: p.fullPage, mask: p.mask });
    const name = p.name.toLowerCase().endsWith('.png') ? p.name : `${p.name}.png`;
    const ref = await ctx.evidence.attach(name, png, 'image/png');
    ctx.log.debug(`Screenshot ${name} kept (${png.length} bytes).`);
    return out({ ...ctx.input, [p.field]: ref });
  },
});
