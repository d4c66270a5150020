/**
 * Login attempts per client address: at most `max` in a sliding window of `windowMs`. An attempt
 * is counted when it starts (so a burst of parallel guesses is limited too); a successful login
 * clears the address's count.
 */
export class LoginRateLimiter {
  private readonly attempts = new Map<string, number[]>();
  readonly max: number;
  readonly windowMs: number;
  private readonly now: () => number;

  constructor(opts: { max?: number; windowMs?: number; now?: () => number } = {}) {
    this.max = opts.max ?? 5;
    this.windowMs = opts.windowMs ?? 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** Counts an attempt from `client`; when over the limit, counts nothing and says how many seconds to wait. */
  attempt(client: string): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const t = this.now();
    const recent = (this.attempts.get(client) ?? []).filter((at) => t - at < this.windowMs);
    if (recent.length >= this.max) {
      this.attempts.set(client, recent);
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((recent[0] + this.windowMs - t) / 1000)) };
    }
    recent.push(t);
    this.attempts.set(client, recent);
    if (this.attempts.size > 10_000) this.prune(t);
    return { ok: true };
  }

  /** A successful login: the address starts afresh. */
  reset(client: string): void {
    this.attempts.delete(client);
  }

  private prune(t: number): void {
    for (const [client, times] of this.attempts) {
      if (!times.some((at) => t - at < this.windowMs)) this.attempts.delete(client);
    }
  }
}

/** The address a rate limit counts: IPv4-mapped IPv6 addresses as plain IPv4. */
export function clientKey(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * Login attempts on the account (there is one: the admin), whatever address they come from: the
 * first `free` failed attempts in a row pass; after that each attempt must wait a delay that doubles
 * with every further failure (`baseDelayMs`, 2×, 4×… up to `maxDelayMs`), counted from the last
 * attempt. An attempt counts as a failure when it starts (parallel guesses are limited too); a
 * successful login clears the count. 20 addresses × 5 guesses a minute thus get ~10 guesses, then
 * one after 1 s, 2 s, 4 s… and after 20 failures one per 15 minutes.
 */
export class AccountLoginLimiter {
  private failures = 0;
  private last = 0;
  readonly free: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  private readonly now: () => number;

  constructor(opts: { free?: number; baseDelayMs?: number; maxDelayMs?: number; now?: () => number } = {}) {
    this.free = opts.free ?? 10;
    this.baseDelayMs = opts.baseDelayMs ?? 1000;
    this.maxDelayMs = opts.maxDelayMs ?? 15 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** The wait the account needs after `failures` failed attempts in a row (0 within the free ones). */
  delayAfter(failures: number): number {
    if (failures < this.free) return 0;
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(30, failures - this.free));
  }

  /** Counts an attempt on the account; when it comes too early, counts nothing and says how long to wait. */
  attempt(): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const t = this.now();
    const wait = this.last + this.delayAfter(this.failures) - t;
    if (wait > 0) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)) };
    this.failures++;
    this.last = t;
    return { ok: true };
  }

  /** A successful login: the account starts afresh. */
  reset(): void {
    this.failures = 0;
    this.last = 0;
  }
}
