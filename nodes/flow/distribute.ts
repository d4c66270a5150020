import { createHash } from 'node:crypto';
import { z } from 'zod';
import { defineNode } from '../sdk/define-node.ts';
import { NodeError } from '../../server/contract/node-error.ts';
import type { Json, NodeStateAccess, StateWrite } from '../sdk/types.ts';
import { sleep } from '../sdk/abort.ts';
import { fieldName } from '../sdk/fields.ts';

/**
 * Distribute: sends each record to one of several targets (accounts, branches). The counters that
 * drive the choice live in the node's persisted state and are committed with the step, so after a
 * crash they match exactly the records that were committed.
 *
 * State keys (per node, in the chosen scope):
 * - `t:<targetId>` → `{ total, lastAt, windowKey, windowCount }`: records sent to the target, when the
 *   last one was sent (ms since the epoch), and how many in the current cap window (`windowKey`);
 * - `picks` → how many records the node has distributed (the random strategy's pick counter);
 * - `rr` → the list position the round robin starts its next turn from.
 */

/** Port ids every node already uses: a target cannot take them. */
const RESERVED_PORTS = new Set(['error']);

export const CAP_WINDOWS = ['run', 'hour', 'day', 'total'] as const;
type CapWindow = (typeof CAP_WINDOWS)[number];

const target = z.object({
  id: z
    .string()
    .trim()
    .regex(/^[a-z0-9_-]+$/i, 'Use only letters, digits, _ and - in a target id (no spaces), e.g. sender_1.')
    .describe('A short name for this target, unique within the node (letters, digits, _ and -): it is also the name of its way out, e.g. sender_1.')
    .meta({ title: 'Target id' }),
  label: z.string().default('').describe('The label shown on the canvas for this way out, e.g. "Sales mailbox". Empty: the id is shown.').meta({ title: 'Label' }),
  account: z
    .string()
    .trim()
    .default('')
    .describe('What the record carries for this target, e.g. the name of a mail credential (sales-smtp). Empty: the target id.')
    .meta({ title: 'Account' }),
  weight: z.number().positive('A weight must be more than 0.').default(1).describe('Its share relative to the others, for the weighted and random strategies: 2 gets twice as many records as 1.').meta({ title: 'Weight' }),
  cap: z
    .number()
    .int('Use a whole number of records.')
    .min(0, 'A cap cannot be negative.')
    .optional()
    .describe('At most this many records per cap window (empty: no limit), e.g. 500 mails a day for an account.')
    .meta({ title: 'Cap' }),
  capWindow: z
    .enum(CAP_WINDOWS)
    .default('day')
    .describe('What the cap counts over: run (this run), hour or day (calendar hour/day, UTC), total (ever, in the node\'s scope).')
    .meta({ title: 'Cap window' }),
  cooldownSeconds: z
    .number()
    .min(0, 'A cooldown cannot be negative.')
    .optional()
    .describe('At least this many seconds between two records sent to this target (empty: none).')
    .meta({ title: 'Cooldown (seconds)' }),
});

export type DistributeTarget = z.infer<typeof target>;

const params = z
  .object({
    strategy: z
      .enum(['round_robin', 'weighted', 'least_used', 'random'])
      .default('round_robin')
      .describe(
        'round_robin: each target in turn, in list order. weighted: exact shares by weight (the target furthest behind its share). least_used: the target that has received the fewest records. random: a random target, weighted, reproducible from the seed.',
      )
      .meta({ title: 'Strategy' }),
    seed: z
      .string()
      .default('')
      .describe('For the random strategy: the same seed gives the same sequence of choices. Empty: the flow and node ids.')
      .meta({ title: 'Seed' }),
    targets: z
      .array(target)
      .min(1, 'Add at least one target.')
      .default([
        { id: 'a', label: 'Account A', account: '', weight: 1, capWindow: 'day' },
        { id: 'b', label: 'Account B', account: '', weight: 1, capWindow: 'day' },
      ])
      .describe('The accounts or branches to share the records between; each is a way out of the node.')
      .meta({ title: 'Targets' }),
    field: fieldName('account').describe(
      'The record field that receives the chosen target\'s account; the field with "Target" appended (accountTarget) receives its id.',
    ).meta({ title: 'Store the account in' }),
    scope: z
      .enum(['flow', 'run'])
      .default('flow')
      .describe('flow: the counters are shared by every run of the flow (caps and shares hold across runs). run: each run starts from zero.')
      .meta({ title: 'Counters kept per' }),
  })
  .superRefine((value, ctx) => {
    const seen = new Set<string>();
    value.targets.forEach((t, i) => {
      if (RESERVED_PORTS.has(t.id)) {
        ctx.addIssue({ code: 'custom', path: ['targets', i, 'id'], message: `The id "${t.id}" is reserved (it is the On error way out); choose another id.` });
      } else if (seen.has(t.id)) {
        ctx.addIssue({ code: 'custom', path: ['targets', i, 'id'], message: `Two targets use the id "${t.id}"; give each target its own id.` });
      }
      seen.add(t.id);
    });
  });

export type DistributeParams = z.infer<typeof params>;

/** A target's persisted counters. */
export interface TargetCounters {
  total: number;
  lastAt: number | null;
  windowKey: string | null;
  windowCount: number;
}

const EMPTY: TargetCounters = { total: 0, lastAt: null, windowKey: null, windowCount: 0 };

export function counterKey(id: string): string {
  return `t:${id}`;
}

/** The cap window a moment falls in: the run id, the UTC hour or day, or `total`. */
export function windowKeyOf(window: CapWindow, now: number, runId: string): string {
  switch (window) {
    case 'run':
      return `run:${runId}`;
    case 'hour':
      return new Date(now).toISOString().slice(0, 13);
    case 'day':
      return new Date(now).toISOString().slice(0, 10);
    default:
      return 'total';
  }
}

function asCounters(value: Json | null): TargetCounters {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return { ...EMPTY };
  const num = (v: Json | undefined): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return {
    total: num(value.total),
    lastAt: typeof value.lastAt === 'number' ? value.lastAt : null,
    windowKey: typeof value.windowKey === 'string' ? value.windowKey : null,
    windowCount: num(value.windowCount),
  };
}

/** A number in [0, 1) from the seed and the pick number: the same pair always gives the same number. */
export function seededUnit(seed: string, pick: number): number {
  const digest = createHash('sha256').update(`${seed}\u0000${pick}`).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

interface TargetView {
  target: DistributeTarget;
  index: number;
  counters: TargetCounters;
  /** Records in the current cap window. */
  inWindow: number;
  capped: boolean;
  /** Milliseconds until its cooldown is over (0: free now). */
  coolingMs: number;
}

type Decision = { pick: TargetView } | { waitMs: number; cooling: TargetView[] } | { capped: TargetView[] };

async function readState(state: NodeStateAccess): Promise<{ counters: Map<string, TargetCounters>; picks: number; rr: number }> {
  const counters = new Map<string, TargetCounters>();
  for (const { key, value } of await state.list('t:')) counters.set(key.slice(2), asCounters(value));
  const picks = await state.get('picks');
  const rr = await state.get('rr');
  return { counters, picks: typeof picks === 'number' ? picks : 0, rr: typeof rr === 'number' ? rr : 0 };
}

function viewOf(p: DistributeParams, counters: Map<string, TargetCounters>, now: number, runId: string): TargetView[] {
  return p.targets.map((t, index) => {
    const c = counters.get(t.id) ?? { ...EMPTY };
    const inWindow = c.windowKey === windowKeyOf(t.capWindow, now, runId) ? c.windowCount : 0;
    const capped = t.cap !== undefined && inWindow >= t.cap;
    const coolingMs = t.cooldownSeconds && c.lastAt !== null ? Math.max(0, c.lastAt + t.cooldownSeconds * 1000 - now) : 0;
    return { target: t, index, counters: c, inWindow, capped, coolingMs };
  });
}

function decide(p: DistributeParams, views: TargetView[], rr: number, picks: number, seed: string): Decision {
  const open = views.filter((v) => !v.capped);
  if (open.length === 0) return { capped: views };
  const eligible = open.filter((v) => v.coolingMs === 0);
  if (eligible.length === 0) return { waitMs: Math.min(...open.map((v) => v.coolingMs)), cooling: open };
  switch (p.strategy) {
    case 'round_robin': {
      const n = views.length;
      for (let k = 0; k < n; k++) {
        const v = views[(rr + k) % n];
        if (eligible.includes(v)) return { pick: v };
      }
      return { pick: eligible[0] };
    }
    case 'weighted':
      return { pick: argmin(eligible, (v) => v.counters.total / v.target.weight) };
    case 'least_used':
      return { pick: argmin(eligible, (v) => v.counters.total) };
    case 'random': {
      const sum = eligible.reduce((s, v) => s + v.target.weight, 0);
      let x = seededUnit(seed, picks) * sum;
      for (const v of eligible) {
        x -= v.target.weight;
        if (x < 0) return { pick: v };
      }
      return { pick: eligible[eligible.length - 1] };
    }
  }
}

/** The first element with the smallest score (ties keep list order). */
function argmin<T>(items: T[], score: (item: T) => number): T {
  let best = items[0];
  let bestScore = score(best);
  for (const item of items.slice(1)) {
    const s = score(item);
    if (s < bestScore) {
      best = item;
      bestScore = s;
    }
  }
  return best;
}

function describeCap(v: TargetView): string {
  const per = v.target.capWindow === 'total' ? 'in total' : v.target.capWindow === 'run' ? 'per run' : `per ${v.target.capWindow} (UTC)`;
  return `${v.target.label || v.target.id}${v.target.account ? ` (${v.target.account})` : ''}: ${v.inWindow} of ${v.target.cap} ${per}`;
}

const STRATEGY_WORDS: Record<DistributeParams['strategy'], string> = {
  round_robin: 'round robin',
  weighted: 'weight',
  least_used: 'least used',
  random: 'seeded random',
};

export const distribute = defineNode({
  type: 'flow.distribute',
  title: 'Distribute',
  category: 'Flow',
  description: 'Shares the records between several accounts or branches: round robin, by weight, least used or seeded random, with caps and cooldowns per target.',
  icon: 'scale',
  params,
  outputs: [],
  dynamicOutputs: { param: 'targets', idField: 'id', labelField: 'label' },
  effect: 'none',
  state: (p) => p.scope,
  async run(ctx) {
    const p = ctx.params;
    const seed = p.seed || `${ctx.run.flowId}:${ctx.node.id}`;
    const { counters, picks, rr } = await readState(ctx.state);
    let announced = false;
    for (;;) {
      const now = Date.now();
      const views = viewOf(p, counters, now, ctx.run.id);
      const decision = decide(p, views, rr, picks, seed);
      if ('capped' in decision) {
        throw new NodeError(
          'E_DISTRIBUTE_CAPPED',
          `Every target has reached its cap: ${decision.capped.map(describeCap).join('; ')}.`,
          'Raise the caps, add accounts, or wait for the cap window to pass, then retry the record.',
        );
      }
      if ('waitMs' in decision) {
        if (!announced) {
          ctx.log.info(`Every free target is cooling down: waiting ${Math.ceil(decision.waitMs / 100) / 10} s for the first to be free.`, {
            cooling: decision.cooling.map((v) => v.target.id),
          });
          announced = true;
        }
        await sleep(Math.max(1, decision.waitMs), ctx.signal);
        continue;
      }
      const chosen = decision.pick;
      const t = chosen.target;
      const account = t.account || t.id;
      const windowKey = windowKeyOf(t.capWindow, now, ctx.run.id);
      const next: TargetCounters = { total: chosen.counters.total + 1, lastAt: now, windowKey, windowCount: chosen.inWindow + 1 };
      const writes: StateWrite[] = [
        { key: counterKey(t.id), value: { ...next } },
        { key: 'picks', value: picks + 1 },
      ];
      if (p.strategy === 'round_robin') writes.push({ key: 'rr', value: (chosen.index + 1) % p.targets.length });
      ctx.log.info(`Sent to ${t.label || t.id} (${account}) by ${STRATEGY_WORDS[p.strategy]}: its record ${next.total}${t.cap !== undefined ? `, ${next.windowCount} of ${t.cap} in its cap window` : ''}.`, {
        target: t.id,
        account,
        strategy: p.strategy,
        sent: next.total,
      });
      return {
        emit: [{ port: t.id, data: { ...ctx.input, [p.field]: account, [`${p.field}Target`]: t.id } }],
        state: writes,
      };
    }
  },
});
