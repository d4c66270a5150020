/** How long `until` waits in all (`ms`) and between reads (`every`). */
export interface Patience {
  ms?: number;
  every?: number;
}

/**
 * Reads `get` until `ok` accepts what it gave, and returns that; after `ms` (30 s unless told)
 * throws, naming `what` and the last value read. The tests' one way to wait for a condition.
 */
export async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, { ms = 30_000, every = 30 }: Patience = {}): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/** `until` the read gives something (anything but null, undefined, false, 0 or ""), and returns it. */
export function untilFound<T>(what: string, read: () => Promise<T | null | undefined | false>, patience?: Patience): Promise<T> {
  return until(what, read, Boolean, patience) as Promise<T>;
}
