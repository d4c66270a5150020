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
