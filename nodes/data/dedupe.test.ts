import { describe, expect, it } from 'vitest';
import { dedupe } from './dedupe.ts';
import { MemoryState, failureOf, runNode } from '../sdk/testing.ts';
import type { RecordData } from '../sdk/types.ts';

async function ports(params: Record<string, unknown>, records: RecordData[], state = new MemoryState()) {
  const out: string[] = [];
  for (const [index, input] of records.entries()) {
    const { result } = await runNode(dedupe, params, input, { state, record: { id: `r:${index}`, index } });
    state.apply(result);
    expect(result.emit).toHaveLength(1);
    expect(result.emit[0].data).toEqual(input);
    out.push(result.emit[0].port);
  }
  return { out, state };
}

describe('data.dedupe', () => {
  it('defaults: key email, per run, case-insensitive; outputs Unique and Duplicate', () => {
    expect(dedupe.params.parse({})).toEqual({ key: 'email', scope: 'run', caseSensitive: false });
    expect(dedupe.outputs.map((o) => o.id)).toEqual(['unique', 'duplicate']);
    expect(typeof dedupe.state === 'function' && dedupe.state(dedupe.params.parse({ scope: 'flow' }))).toBe('flow');
  });

  it('lets the first record with a key through and sends the later ones to duplicate, records unchanged', async () => {
    const { out, state } = await ports({ key: 'url' }, [{ url: 'https://a' }, { url: 'https://b' }, { url: 'https://a', title: 'again' }, { url: 'https://b' }]);
    expect(out).toEqual(['unique', 'unique', 'duplicate', 'duplicate']);
    expect(await state.get('k:https://a')).toMatchObject({ firstRecord: 0, run: 'run_test' });
    const { ctx } = await runNode(dedupe, { key: 'url' }, { url: 'https://a' }, { state });
    expect(ctx.logs[0]).toMatchObject({ level: 'info' });
    expect(ctx.logs[0].message).toMatch(/first seen on record #1/);
  });

  it('folds case and trims unless case sensitive', async () => {
    const records = [{ email: 'Ada@Example.com' }, { email: '  ada@example.com ' }, { email: 'ADA@EXAMPLE.COM' }];
    expect((await ports({}, records)).out).toEqual(['unique', 'duplicate', 'duplicate']);
    expect((await ports({ caseSensitive: true }, records)).out).toEqual(['unique', 'unique', 'unique']);
    expect((await ports({ caseSensitive: true }, [{ email: 'x ' }, { email: ' x' }])).out).toEqual(['unique', 'duplicate']);
  });

  it('takes an expression as key (nested fields, several fields together)', async () => {
    const records = [
      { a: { city: 'Paris' }, n: 1 },
      { a: { city: 'paris' }, n: 2 },
      { a: { city: 'Paris' }, n: 1 },
    ];
    expect((await ports({ key: 'a.city' }, records)).out).toEqual(['unique', 'duplicate', 'duplicate']);
    expect((await ports({ key: 'a.city & "|" & n' }, records)).out).toEqual(['unique', 'unique', 'duplicate']);
    expect((await ports({ key: 'n' }, records)).out).toEqual(['unique', 'unique', 'duplicate']);
  });

  it('a missing or empty key is E_DEDUPE_NO_KEY with a hint', async () => {
    for (const input of [{}, { email: '' }, { email: '   ' }, { email: null }] as RecordData[]) {
      const err = await failureOf(() => runNode(dedupe, {}, input));
      expect(err).toMatchObject({ code: 'E_DEDUPE_NO_KEY', transient: false });
      expect(err.message).toMatch(/The key "email" is empty for this record/);
      expect(err.hint).toMatch(/every record has the key field/);
    }
  });

  it('very long keys are remembered by their hash', async () => {
    const long = 'x'.repeat(5000);
    const { out, state } = await ports({ key: 'v' }, [{ v: long }, { v: long.toUpperCase() }, { v: `${long}y` }]);
    expect(out).toEqual(['unique', 'duplicate', 'unique']);
    expect([...state.values.keys()].every((k) => k.length < 100)).toBe(true);
  });
});
