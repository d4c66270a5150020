import { z } from 'zod';
import { defineNode, out } from '../sdk/define-node.ts';
import { fieldName, fieldPath } from '../sdk/fields.ts';
import { OPERATORS, ruleProblem, scoreRecord } from './lib/score-rules.ts';

const rule = z
  .object({
    field: fieldPath.describe('The field the rule looks at, e.g. employees or address.city.').meta({ title: 'Field' }),
    operator: z
      .enum(OPERATORS)
      .default('equals')
      .describe('How the field is compared with the value: equals / contains (text, any case; a list contains an element), exists / missing (empty text and empty lists count as missing), greater than / at least / less than / at most (numbers), matches (a regular expression, any case).')
      .meta({ title: 'Condition' }),
    value: z.string().max(1000).default('').describe('What the field is compared with (not used by exists / missing), e.g. Lyon, 10, or ^(bakery|cafe)$ for matches.').meta({ title: 'Value' }),
    points: z.number().min(-1_000_000).max(1_000_000).default(10).describe('Points given when the condition holds (negative to take points away).').meta({ title: 'Points' }),
    label: z.string().trim().max(200).default('').describe('What the explanation calls this rule, e.g. "Big team". Empty: the condition itself.').meta({ title: 'Label' }),
  })
  .superRefine((r, issue) => {
    const problem = ruleProblem(r);
    if (problem) issue.addIssue({ code: 'custom', path: ['value'], message: problem });
  });

const params = z.object({
  rules: z
    .array(rule)
    .min(1, 'Add at least one rule.')
    .max(200, 'At most 200 rules.')
    .default([
      { field: 'email', operator: 'exists', value: '', points: 20, label: '' },
      { field: 'employees', operator: 'at_least', value: '10', points: 30, label: '' },
    ])
    .describe('Each rule whose condition holds adds its points to the score.')
    .meta({ title: 'Rules' }),
  threshold: z.number().min(-1_000_000).max(1_000_000).default(50).describe('A record whose score reaches this many points (or more) leaves through "Qualified"; the others through "Not qualified".').meta({ title: 'Qualified from (points)' }),
  caseSensitive: z.boolean().default(false).describe('On: equals, contains and matches tell capitals from small letters.').meta({ title: 'Case-sensitive' }),
  scoreField: fieldName('score').describe('The field that receives the score.').meta({ title: 'Store the score in' }),
  explanationField: fieldName('scoreDetails')
    .describe('The field that receives why: the score, the threshold, and each rule with whether it held, its points and what the record held.')
    .meta({ title: 'Store the explanation in' }),
});

export const score = defineNode({
  type: 'data.score',
  title: 'Score',
  category: 'Data',
  description: 'Adds up points from weighted rules (field conditions), keeps the explanation with the record, and routes it as qualified or not.',
  icon: 'badge-check',
  params,
  outputs: [
    { id: 'qualified', label: 'Qualified' },
    { id: 'unqualified', label: 'Not qualified' },
  ],
  effect: 'none',
  run(ctx) {
    const p = ctx.params;
    const { score: total, outcomes } = scoreRecord(ctx.input, p.rules, p.caseSensitive);
    const qualified = total >= p.threshold;
    return out(
      { ...ctx.input, [p.scoreField]: total, [p.explanationField]: { score: total, threshold: p.threshold, qualified, rules: outcomes } },
      qualified ? 'qualified' : 'unqualified',
    );
  },
});
