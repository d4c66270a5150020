import { z } from 'zod';
import type { Json, NodeLogger } from './types.ts';

/**
 * Per-host rate limits shared by every step that calls out (HTTP request, AI step…), across the
 * records and runs of a flow and across restarts (docs/writing-a-node.md, "Rate limits").
 *
 * A limit of N requests per second (or minute) is kept by spacing: each request to a host starts at
 * least period / N (plus 1%) after the previous one, so no window of that length ever holds more than N — the
 * strictest way a service can count. A 429 or 503 answer with `Retry-After` blocks the host for every
 * step of the flow until that time. The next free slot and the block are written to the store's node
 * state (scope `ratelimit:<flow id>`, one entry per host) before the request leaves, so a restart
 * picks up where the last process stopped instead of bursting.
 */

export type RatePeriod = 'second' | 'minute';

export interface RateLimit {
  requests: number;
  per: RatePeriod;
}

/** The params a node spreads into its schema to offer a rate limit in its form. */
export const rateLimitParams = {
  rateLimit: z
    .number()
    .int('Use a whole number of requests.')
    .min(0, 'Use 0 for no limit.')
    .max(100_000, 'The limit can be at most 100000 requests.')
    .default(0)
    .describe('At most this many requests to the same host (name and port) per second or minute, counted over every step of this flow that calls it, across runs and restarts; requests beyond it wait their turn. 0: no limit.')
    .meta({ title: 'Rate limit (requests)' }),
  ratePer: z.enum(['second', 'minute']).default('second').describe('The period of the rate limit.').meta({ title: 'Rate limit per' }),
  retryAfterMaxSeconds: z
    .number()
    .int('Use a whole number of seconds.')
    .min(0, 'Use 0 to never wait.')
    .max(3600, 'The wait can be at most an hour (3600 seconds).')
    .default(60)
    .describe('When the service answers 429 (too many requests) or 503 with Retry-After, wait that long and send again, if it is at most this many seconds. Either way, later requests to that host wait until the time it named.')
    .meta({ title: 'Wait for Retry-After up to (s)' }),
};

/** The limit the params ask for, or null for none. */
export function limitOf(p: { rateLimit: number; ratePer: RatePeriod }): RateLimit | null {
  return p.rateLimit > 0 ? { requests: p.rateLimit, per: p.ratePer } : null;
}

/**
 * The spacing between two sends: the period over N, plus 1% so that timers firing a millisecond
 * early (or a service's clock running a little apart) never fit N + 1 requests in one window.
 */
export function intervalMs(limit: RateLimit): number {
  return ((limit.per === 'minute' ? 60_000 : 1000) / limit.requests) * 1.01;
}

/**
 * `Retry-After` as a delay in ms from `now`: delta-seconds ("120") or an HTTP date. Null when absent
 * or unreadable; a date in the past is 0.
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | null {
  if (!value) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** What the limiter needs of the store (the node-state part of server/store's Store). */
export interface RateLimitStore {
  getNodeState(scope: string, nodeId: string, key: string): Promise<Json | null>;
  putNodeState(writes: Array<{ scope: string; nodeId: string; key: string; value: Json | null }>): Promise<void>;
}

interface HostState {
  /** Epoch ms when the next request may start (spacing). */
  next: number;
  /** Epoch ms until which the host asked not to be called (Retry-After). */
  blockedUntil: number;
}

interface Entry {
  state: Promise<HostState> | null;
  /** Sends to one host go through one at a time, in order: each waits for its turn, then its time. */
  gate: Promise<unknown>;
}

const STATE_KEY = 'slot';

export class HostRateLimiter {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly store: RateLimitStore | null,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Waits until a request of flow `flowId` to `host` may leave under `limit` (and any Retry-After
   * block), and counts it. Returns how long it waited (ms). `signal` ends the wait.
   *
   * Requests pass one at a time: the next one's time is worked out from the moment the previous one
   * actually left, so a send that left late (a busy event loop) pushes the following ones back
   * instead of letting two leave closer together than the limit allows.
   */
  async take(flowId: string, host: string, limit: RateLimit | null, signal?: AbortSignal): Promise<number> {
    signal?.throwIfAborted();
    const entry = this.entry(flowId, host);
    const begun = this.now();
    const turn = entry.gate.catch(() => undefined).then(async () => {
      const state = await this.load(entry, flowId, host);
      for (;;) {
        signal?.throwIfAborted();
        // Re-read after each sleep: a Retry-After may have come in meanwhile.
        const wait = Math.max(state.blockedUntil, limit ? state.next : 0) - this.now();
        if (wait <= 0) break;
        await sleep(wait, signal);
      }
      if (!limit) return;
      state.next = this.now() + intervalMs(limit);
      // Written before the request leaves: a restart right after it still counts it.
      await this.save(flowId, host, state);
      state.next = Math.max(state.next, this.now() + intervalMs(limit));
    });
    entry.gate = turn.catch(() => undefined);
    await untilAborted(turn, signal);
    return this.now() - begun;
  }

  /** The host asked to be left alone until `until` (epoch ms): every later `take` waits for it. */
  async block(flowId: string, host: string, until: number): Promise<void> {
    const entry = this.entry(flowId, host);
    const state = await this.load(entry, flowId, host);
    if (until <= state.blockedUntil) return;
    state.blockedUntil = until;
    await this.save(flowId, host, state);
  }

  private entry(flowId: string, host: string): Entry {
    const key = `${flowId}\u0000${host}`;
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { state: null, gate: Promise.resolve() };
      this.entries.set(key, entry);
    }
    return entry;
  }

  /** The host's state, read from the store once per process (the same object for every caller). */
  private load(entry: Entry, flowId: string, host: string): Promise<HostState> {
    entry.state ??= (async () => {
      const stored = this.store ? await this.store.getNodeState(rateLimitScope(flowId), host, STATE_KEY) : null;
      const s = stored && typeof stored === 'object' && !Array.isArray(stored) ? stored : {};
      return { next: typeof s.next === 'number' ? s.next : 0, blockedUntil: typeof s.blockedUntil === 'number' ? s.blockedUntil : 0 };
    })();
    const loading = entry.state;
    // A failed read is tried again by the next caller.
    loading.catch(() => {
      if (entry.state === loading) entry.state = null;
    });
    return loading;
  }

  private async save(flowId: string, host: string, state: HostState): Promise<void> {
    await this.store?.putNodeState([{ scope: rateLimitScope(flowId), nodeId: host, key: STATE_KEY, value: { next: state.next, blockedUntil: state.blockedUntil } }]);
  }
}

/** The store scope of a flow's limiter state (node id: the host). */
export function rateLimitScope(flowId: string): string {
  return `ratelimit:${flowId}`;
}

function cancelled(): DOMException {
  return new DOMException('The wait for the rate limit was cancelled.', 'AbortError');
}

/** `work`, or a rejection as soon as `signal` aborts (the work itself then ends at its own next check). */
function untilAborted<T>(work: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

// --- the limiter of this process -------------------------------------------------------------

let current = new HostRateLimiter(null);

/** The limiter steps use; persistent once the studio (or the CLI) bound its store. */
export function rateLimiter(): HostRateLimiter {
  return current;
}

/**
 * Makes the limiter keep its state in `store` (server/conveyor.ts does, once per open data
 * directory; one studio per process). Returns the unbinding, which leaves an in-memory limiter.
 */
export function bindRateLimitStore(store: RateLimitStore): () => void {
  const mine = new HostRateLimiter(store);
  current = mine;
  return () => {
    if (current === mine) current = new HostRateLimiter(null);
  };
}

// --- what a step calls ------------------------------------------------------------------------

interface StepSide {
  run: { flowId: string };
  signal: AbortSignal;
  log: NodeLogger;
}

/** Before each request of a step: waits for the host's slot under the step's limit. */
export async function waitForRateLimit(ctx: StepSide, url: URL, limit: RateLimit | null): Promise<void> {
  const waited = await rateLimiter().take(ctx.run.flowId, url.host, limit, ctx.signal);
  if (waited >= 1000) ctx.log.info(`Waited ${(waited / 1000).toFixed(1)} s for the rate limit of ${url.host}.`);
}

/**
 * After each answer: a 429 or 503 with a readable `Retry-After` blocks the host for the whole flow
 * and returns the delay it asked for (ms); any other answer returns null.
 */
export async function noteRetryAfter(ctx: StepSide, url: URL, response: { status: number; headers: Headers }): Promise<number | null> {
  if (response.status !== 429 && response.status !== 503) return null;
  const delay = parseRetryAfter(response.headers.get('retry-after'));
  if (delay === null) return null;
  await rateLimiter().block(ctx.run.flowId, url.host, Date.now() + delay);
  return delay;
}
