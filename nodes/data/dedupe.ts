import { createHash } from 'node:crypto';
import { z } from 'zod';
import { defineNode, out } from '../sdk/define-node.ts';
import { NodeError } from '../../server/contract/node-error.ts';
import type { Json } from '../sdk/types.ts';
import { evaluate } from '../../server/contract/expression/expression.ts';

/**
 * Remove duplicates: the first record with a given key goes out on Unique, every later one on
 * Duplicate. The keys seen are the node's persisted state (`k:<normalized key>` →
 * `{ firstRecord, run, at }`), committed with the step, so a crash never forgets or invents one.
 */

/** Keys longer than this are stored by their SHA-256 (state keys are limited to 1024 characters). */
const MAX_PLAIN_KEY = 512;

const params = z.object({
  key: z
    .string()
    .trim()
    .min(1, 'Say which field makes two records duplicates, e.g. email.')
    .default('email')
    .describe('What makes two records the same: a field (email, address.city) or an expression (url & "|" & title). Names with spaces go in backticks.')
    .meta({ title: 'Key', widget: 'expression' }),
  scope: z
    .enum(['run', 'flow'])
    .default('run')
    .describe('run: duplicates within this run. flow: also records already seen by earlier runs of the flow.')
    .meta({ title: 'Remember keys per' }),
  caseSensitive: z
    .boolean()
    .default(false)
    .describe('Off: "Ada@Example.com" and "ada@example.com" are the same key. Spaces around text never count.')
    .meta({ title: 'Case sensitive' }),
});

/** The key as stored: text trimmed (and lower-cased unless case sensitive), anything else as JSON; null when empty. */
export function normalizeKey(value: Json | undefined, caseSensitive: boolean): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === '') return null;
    return caseSensitive ? text : text.toLowerCase();
  }
  if (Array.isArray(value) && value.length === 0) return null;
  const text = typeof value === 'object' ? JSON.stringify(value, (_k, v: Json) => (typeof v === 'string' ? (caseSensitive ? v.trim() : v.trim().toLowerCase()) : v)) : String(value);
  return text;
}

export function stateKeyOf(normalized: string): string {
  return normalized.length <= MAX_PLAIN_KEY ? `k:${normalized}` : `k#${createHash('sha256').update(normalized).digest('hex')}`;
}

export const dedupe = defineNode({
  type: 'data.dedupe',
  title: 'Remove duplicates',
  category: 'Data',
  description: 'Lets the first record with each key through on Unique and sends the later ones with the same key to Duplicate, within a run or across runs.',
  icon: 'copy-minus',
  params,
  outputs: [
    { id: 'unique', label: 'Unique' },
    { id: 'duplicate', label: 'Duplicate' },
  ],
  effect: 'none',
  state: (p) => p.scope,
  async run(ctx) {
    const p = ctx.params;
    const value = await evaluate(p.key, ctx.input, 'the key');
    const normalized = normalizeKey(value, p.caseSensitive);
    if (normalized === null) {
      throw new NodeError(
        'E_DEDUPE_NO_KEY',
        `The key ${JSON.stringify(p.key)} is empty for this record (it is ${value === undefined ? 'missing' : JSON.stringify(value)}), so it cannot be compared with the others.`,
        'Check that every record has the key field filled in, or wire the error port to handle records without it.',
      );
    }
    const stateKey = stateKeyOf(normalized);
    const seen = await ctx.state.get(stateKey);
    if (seen && typeof seen === 'object' && !Array.isArray(seen)) {
      const first = typeof seen.firstRecord === 'number' ? `record #${seen.firstRecord + 1}` : 'an earlier record';
      const where = seen.run && seen.run !== ctx.run.id ? ` of run ${seen.run}` : '';
      ctx.log.info(`Duplicate: the key ${JSON.stringify(normalized.slice(0, 80))} was first seen on ${first}${where}.`, { key: normalized.slice(0, 200), first: seen });
      return out(ctx.input, 'duplicate');
    }
    ctx.log.debug(`First record with the key ${JSON.stringify(normalized.slice(0, 80))}.`);
    return {
      ...out(ctx.input, 'unique'),
      state: [{ key: stateKey, value: { firstRecord: ctx.record.index, run: ctx.run.id, at: new Date().toISOString() } }],
    };
  },
});
