import { z } from 'zod';
import { defineNode } from '../sdk/define-node.ts';
import type { Emission } from '../sdk/types.ts';
import { evaluate, toBoolean } from '../../server/contract/expression/expression.ts';

/** Port ids every node already uses: a rule cannot take them. */
const RESERVED_PORTS = new Set(['default', 'error']);

const rule = z.object({
  port: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]+$/, 'Use only letters, digits, _ and - in a port name (no spaces), e.g. vip or high-value.')
    .describe('A short name for this way out, unique within the node (letters, digits, _ and -), e.g. vip.')
    .meta({ title: 'Port name' }),
  label: z
    .string()
    .default('')
    .describe('The label shown on the canvas for this way out, e.g. "VIP customers". Empty: the port name is shown.')
    .meta({ title: 'Label' }),
  condition: z
    .string()
    .default('false')
    .describe('When records take this way, e.g. tier = "vip" or $number(amount) > 1000.')
    .meta({ title: 'Condition', widget: 'expression' }),
});

const params = z
  .object({
    rules: z
      .array(rule)
      .default([])
      .describe('The ways a record can take, each with its condition, checked from top to bottom. Records that match no rule go out on Otherwise.')
      .meta({ title: 'Rules' }),
    mode: z
      .enum(['first', 'all'])
      .default('first')
      .describe('first: a record takes only the first rule that matches. all: a record goes out on every rule that matches (it is copied for each).')
      .meta({ title: 'Matching' }),
  })
  .superRefine((value, ctx) => {
    const seen = new Set<string>();
    value.rules.forEach((r, i) => {
      if (RESERVED_PORTS.has(r.port)) {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'port'],
          message: `The port name "${r.port}" is reserved (${r.port === 'default' ? 'it is the Otherwise way out' : 'it is the On error way out'}); choose another name.`,
        });
      } else if (seen.has(r.port)) {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'port'],
          message: `Two rules use the port name "${r.port}"; give each rule its own port name.`,
        });
      }
      seen.add(r.port);
    });
  });

export const switchNode = defineNode({
  type: 'core.switch',
  title: 'Switch',
  category: 'Flow',
  description: 'Sends each record the way of the first rule it matches (or of every matching rule), or Otherwise.',
  icon: 'signpost',
  params,
  outputs: [{ id: 'default', label: 'Otherwise' }],
  dynamicOutputs: { param: 'rules', idField: 'port', labelField: 'label' },
  effect: 'none',
  async run(ctx) {
    const { rules, mode } = ctx.params;
    const input = ctx.input;
    const emit: Emission[] = [];
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i];
      const value = await evaluate(r.condition, input, `the condition of rule "${r.label || r.port}"`);
      if (!toBoolean(value)) continue;
      if (mode === 'first') return { emit: [{ port: r.port, data: input }] };
      emit.push({ port: r.port, data: emit.length === 0 ? input : { ...input } });
    }
    if (emit.length === 0) emit.push({ port: 'default', data: input });
    return { emit };
  },
});
