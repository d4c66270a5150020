import { describe, expect, it } from 'vitest';
import { score } from './score.ts';
import { holds, type Operator } from './lib/score-rules.ts';
import { runNode } from '../sdk/testing.ts';

const lead = {
  name: 'Maison Dupont',
  city: 'Lyon',
  employees: 12,
  rating: '4.5',
  email: 'contact@maison-dupont.test',
  phone: '',
  tags: ['bakery', 'Organic'],
  address: { city: 'Lyon', zip: '69001' },
};

function check(operator: Operator, field: keyof typeof lead | string, value = '', caseSensitive = false): boolean {
  const actual = field.split('.').reduce<any>((v, k) => (v == null ? undefined : v[k]), lead);
  return holds({ operator, value }, actual, caseSensitive);
}

describe('data.score operators', () => {
  it('equals / not equals: text in any case (trimmed), numbers by value', () => {
    expect(check('equals', 'city', 'lyon')).toBe(true);
    expect(check('equals', 'city', ' Lyon ')).toBe(true);
    expect(check('equals', 'city', 'lyon', true)).toBe(false);
    expect(check('equals', 'employees', '12.0')).toBe(true);
    expect(check('equals', 'rating', '4.50')).toBe(true);
    expect(check('equals', 'city', 'Paris')).toBe(false);
    expect(check('equals', 'nope', '')).toBe(false);
    expect(check('not_equals', 'city', 'Paris')).toBe(true);
    expect(check('not_equals', 'city', 'LYON')).toBe(false);
    expect(check('not_equals', 'nope', 'x')).toBe(true);
  });

  it('contains / not contains: part of a text, or an element of a list', () => {
    expect(check('contains', 'email', 'DUPONT')).toBe(true);
    expect(check('contains', 'email', 'DUPONT', true)).toBe(false);
    expect(check('contains', 'tags', 'organic')).toBe(true);
    expect(check('contains', 'tags', 'bake')).toBe(false); // a list holds elements, not parts of them
    expect(check('contains', 'phone', '')).toBe(false);
    expect(check('not_contains', 'email', 'gmail')).toBe(true);
    expect(check('not_contains', 'tags', 'bakery')).toBe(false);
    expect(check('not_contains', 'nope', 'x')).toBe(true);
  });

  it('exists / missing: empty text and empty lists count as missing', () => {
    expect(check('exists', 'email')).toBe(true);
    expect(check('exists', 'phone')).toBe(false);
    expect(check('exists', 'nope')).toBe(false);
    expect(check('exists', 'address.zip')).toBe(true);
    expect(holds({ operator: 'exists', value: '' }, [])).toBe(false);
    expect(holds({ operator: 'exists', value: '' }, 0)).toBe(true);
    expect(check('missing', 'phone')).toBe(true);
    expect(check('missing', 'email')).toBe(false);
  });

  it('greater than / at least / less than / at most: numbers and numeric text; anything else does not hold', () => {
    expect(check('greater_than', 'employees', '11')).toBe(true);
    expect(check('greater_than', 'employees', '12')).toBe(false);
    expect(check('at_least', 'employees', '12')).toBe(true);
    expect(check('at_least', 'employees', '13')).toBe(false);
    expect(check('less_than', 'rating', '5')).toBe(true);
    expect(check('less_than', 'rating', '4.5')).toBe(false);
    expect(check('at_most', 'rating', '4.5')).toBe(true);
    expect(check('greater_than', 'city', '1')).toBe(false);
    expect(check('less_than', 'phone', '1')).toBe(false);
    expect(check('less_than', 'nope', '1')).toBe(false);
  });

  it('matches: a regular expression, any case unless asked', () => {
    expect(check('matches', 'email', '@[a-z-]+\\.test$')).toBe(true);
    expect(check('matches', 'name', '^maison')).toBe(true);
    expect(check('matches', 'name', '^maison', true)).toBe(false);
    expect(check('matches', 'address.zip', '^69\\d{3}$')).toBe(true);
    expect(check('matches', 'nope', '.*')).toBe(false);
  });
});

describe('data.score step', () => {
  const rules = [
    { field: 'email', operator: 'exists', points: 20 },
    { field: 'employees', operator: 'at_least', value: '10', points: 30, label: 'Team of 10+' },
    { field: 'address.city', operator: 'equals', value: 'Paris', points: 25 },
    { field: 'phone', operator: 'missing', points: -5 },
  ];

  it('adds the points of the rules that hold, keeps the explanation with the record and routes it', async () => {
    const { result } = await runNode(score, { rules, threshold: 45 }, lead);
    expect(result.emit).toHaveLength(1);
    expect(result.emit[0].port).toBe('qualified');
    const data = result.emit[0].data as Record<string, any>;
    expect(data.name).toBe('Maison Dupont');
    expect(data.score).toBe(45);
    expect(data.scoreDetails).toEqual({
      score: 45,
      threshold: 45,
      qualified: true,
      rules: [
        { rule: 'email exists', matched: true, points: 20, actual: 'contact@maison-dupont.test' },
        { rule: 'Team of 10+', matched: true, points: 30, actual: 12 },
        { rule: 'address.city equals "Paris"', matched: false, points: 0, actual: 'Lyon' },
        { rule: 'phone missing', matched: true, points: -5, actual: '' },
      ],
    });
  });

  it('qualifies from the threshold on: one point short goes to "unqualified"', async () => {
    const at = await runNode(score, { rules, threshold: 45 }, lead);
    const above = await runNode(score, { rules, threshold: 45.5 }, lead);
    expect(at.result.emit[0].port).toBe('qualified');
    expect(above.result.emit[0].port).toBe('unqualified');
    expect(above.result.emit[0].data.scoreDetails).toMatchObject({ score: 45, threshold: 45.5, qualified: false });
    // An empty record: only "phone missing" holds, which takes 5 points away.
    const empty = await runNode(score, { rules, threshold: 0 }, {});
    expect(empty.result.emit[0]).toMatchObject({ port: 'unqualified', data: { score: -5 } });
    const low = await runNode(score, { rules, threshold: -5 }, {});
    expect(low.result.emit[0]).toMatchObject({ port: 'qualified', data: { score: -5 } });
  });

  it('writes the fields it is told to, and adds decimals as written', async () => {
    const { result } = await runNode(score, { rules: [{ field: 'a', operator: 'exists', points: 0.1 }, { field: 'b', operator: 'exists', points: 0.2 }], threshold: 0.3, scoreField: 'leadScore', explanationField: 'why' }, { a: 1, b: 2 });
    expect(result.emit[0]).toMatchObject({ port: 'qualified', data: { leadScore: 0.3, why: { score: 0.3 } } });
    expect(result.emit[0].data.score).toBeUndefined();
  });

  it('shortens a long value in the explanation', async () => {
    const { result } = await runNode(score, { rules: [{ field: 'bio', operator: 'contains', value: 'x', points: 1 }] }, { bio: 'x'.repeat(500) });
    expect((result.emit[0].data.scoreDetails as any).rules[0].actual).toBe(`${'x'.repeat(100)}…`);
  });

  it('refuses, when the flow is saved, a number comparison without a number and a pattern that cannot be used', () => {
    const problems = (r: Record<string, unknown>) => score.params.safeParse({ rules: [{ field: 'x', ...r }] }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(problems({ operator: 'greater_than', value: 'ten' })).toEqual(['rules.0.value: must be a number for "greater than" (e.g. 10 or 2.5), not "ten"']);
    expect(problems({ operator: 'at_most', value: '' })).toHaveLength(1);
    expect(problems({ operator: 'matches', value: '(bakery' })).toEqual([expect.stringMatching(/^rules\.0\.value: is not a usable regular expression: missing closing \)/)]);
    expect(problems({ operator: 'matches', value: '(?=a)b' })).toEqual([expect.stringMatching(/lookahead/)]);
    expect(problems({ operator: 'equals', value: '(bakery' })).toEqual([]);
    expect(score.params.safeParse({ rules: [] }).error?.issues[0].message).toBe('Add at least one rule.');
    expect(score.params.safeParse({ rules: [{ field: 'a..b', operator: 'exists' }] }).success).toBe(false);
  });
});
