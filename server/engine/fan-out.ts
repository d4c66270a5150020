import type { StepErrorInfo } from '../contract/node-error.ts';
import type { RecordCheckpoint, RecordUpdate, TokenRows } from '../store/types.ts';
import type { Masker } from './secret-masker.ts';

/**
 * Fan-out stays linear and bounded.
 *
 * **Linear.** A record's checkpoint is committed with every step. When a record fans out into N
 * tokens, writing the whole checkpoint each time made one split write O(N²) bytes (16k children:
 * 21.5 GB). Past `ROWS_FROM` tokens and groups, the walker commits the checkpoint's *header*
 * (everything but its tokens and groups; path outcomes as counts) and only the tokens and groups that
 * changed since its last commit: the tokens the step created, the token it ran, and the ids that
 * left. The store keeps them as rows (`record_tokens`) and puts the checkpoint back together when the
 * record is read, in the order the tokens had. Splitting one record into N writes O(N) bytes.
 *
 * **Bounded.** A step may create at most `maxFanOut` tokens at once for one record (flow setting,
 * default 10,000), and a run at most `maxFanOutPerRun` (default 1,000,000, counted since the run
 * started or was last resumed); past either the step fails with E_FANOUT_LIMIT, saying how to raise it.
 */

/** From this many tokens and groups on, a record's checkpoint is written as header + changed rows. */
export const ROWS_FROM = 32;
export const DEFAULT_MAX_FANOUT = 10_000;
export const DEFAULT_MAX_FANOUT_PER_RUN = 1_000_000;

interface Known {
  ord: number;
  gen: number;
  ref: object;
}

interface WriterState {
  rows: boolean;
  tokens: Map<number, Known>;
  groups: Map<number, Known>;
  nextOrd: number;
  gen: number;
}

const writers = new WeakMap<RecordCheckpoint, WriterState>();

/**
 * The checkpoint part of a record update for `cp` (masked): the whole checkpoint while it is small,
 * else its header and the token and group rows that changed since the last write of this walk.
 * `ran`: the token whose step is being committed (changed in place: attempts, session).
 */
export function checkpointWrite(cp: RecordCheckpoint, masker: Masker, ran: number | null): Pick<RecordUpdate, 'checkpoint' | 'tokenRows'> {
  let w = writers.get(cp);
  // A small checkpoint is written whole and needs no writer state (two maps a record, made for
  // every record before: most never fan out).
  if (!w?.rows && cp.tokens.length + cp.groups.length < ROWS_FROM) return { checkpoint: masker.maskJson(cp) };
  if (!w) writers.set(cp, (w = { rows: false, tokens: new Map(), groups: new Map(), nextOrd: 1, gen: 0 }));
  w.rows = true;
  const gen = ++w.gen;
  const rows: TokenRows = { put: [], drop: [] };
  for (const t of cp.tokens) {
    const known = w.tokens.get(t.id);
    if (!known) {
      const ord = w.nextOrd++;
      w.tokens.set(t.id, { ord, gen, ref: t });
      rows.put.push(['t', t.id, ord, masker.maskJson(t)]);
      continue;
    }
    known.gen = gen;
    // Changed in place: the token that ran, top-level tokens (released collects); replaced objects.
    if (known.ref !== t || t.id === ran || t.groups.length === 0) {
      known.ref = t;
      rows.put.push(['t', t.id, known.ord, masker.maskJson(t)]);
    }
  }
  for (const g of cp.groups) {
    const known = w.groups.get(g.id);
    if (known) {
      known.gen = gen;
      continue;
    }
    w.groups.set(g.id, { ord: g.id, gen, ref: g });
    rows.put.push(['g', g.id, g.id, g]);
  }
  if (w.tokens.size > cp.tokens.length) {
    for (const [id, k] of w.tokens) {
      if (k.gen === gen) continue;
      w.tokens.delete(id);
      rows.drop.push(['t', id]);
    }
  }
  if (w.groups.size > cp.groups.length) {
    for (const [id, k] of w.groups) {
      if (k.gen === gen) continue;
      w.groups.delete(id);
      rows.drop.push(['g', id]);
    }
  }
  const { tokens: _tokens, groups: _groups, outcomes, ...header } = cp;
  const counts: Partial<Record<string, number>> = {};
  for (const o of outcomes) counts[o] = (counts[o] ?? 0) + 1;
  return { checkpoint: masker.maskJson({ ...header, tokens: [], groups: [], outcomes: [], outcomeCounts: counts } as unknown as RecordCheckpoint), tokenRows: rows };
}

const runUse = new WeakMap<object, number>();

/**
 * Null when a step of `run` may create `created` tokens for one record, else E_FANOUT_LIMIT (the
 * step fails with it, nothing is created). Counts what the run created (since it started or resumed).
 */
export function fanOutRefusal(run: object, settings: { maxFanOut?: number; maxFanOutPerRun?: number } | undefined, nodeName: string, created: number): StepErrorInfo | null {
  if (created <= 1) return null;
  const perRecord = settings?.maxFanOut ?? DEFAULT_MAX_FANOUT;
  const perRun = settings?.maxFanOutPerRun ?? DEFAULT_MAX_FANOUT_PER_RUN;
  if (created > perRecord) {
    return {
      code: 'E_FANOUT_LIMIT',
      message: `Step "${nodeName}" would split this record into ${created} records; a record may be split into at most ${perRecord} (the flow's "Most records from one record").`,
      hint: `Raise "Most records from one record" in the flow's settings (settings.maxFanOut, up to 1,000,000) if this many is expected, or split the input into smaller records first.`,
      transient: false,
    };
  }
  const used = runUse.get(run) ?? 0;
  if (used + created > perRun) {
    return {
      code: 'E_FANOUT_LIMIT',
      message: `Step "${nodeName}" would split this record into ${created} records, and this run has already split records into ${used}: a run may create at most ${perRun} (the flow's "Most split records per run").`,
      hint: `Raise "Most split records per run" in the flow's settings (settings.maxFanOutPerRun, up to 100,000,000) if this many is expected, or run the input in smaller batches.`,
      transient: false,
    };
  }
  runUse.set(run, used + created);
  return null;
}
