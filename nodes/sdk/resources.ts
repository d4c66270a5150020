import type { ResourceScope } from './types.ts';

/**
 * Resources opened on demand under a key and closed together. Opening is shared: two steps asking
 * for the same key at once get the same value. Closing never throws; a close that fails is reported
 * to `onError` (the run log) and the others still close.
 */
export class Resources implements ResourceScope {
  private readonly open = new Map<string, { value: Promise<unknown>; close: (value: never) => Promise<void> | void }>();
  private closed = false;

  constructor(private readonly onError: (key: string, err: unknown) => void = () => undefined) {}

  get<T>(key: string, open: () => Promise<T>, close: (value: T) => Promise<void> | void): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`Resource "${key}" was asked for after its scope ended.`));
    const existing = this.open.get(key);
    if (existing) return existing.value as Promise<T>;
    const value = open();
    this.open.set(key, { value, close: close as (value: never) => Promise<void> | void });
    // A resource that failed to open is forgotten, so the next step may try again.
    value.catch(() => this.open.delete(key));
    return value;
  }

  /** True while something is open in this scope (a record's browser page, say). */
  get holding(): boolean {
    return this.open.size > 0;
  }

  async closeAll(): Promise<void> {
    this.closed = true;
    const entries = [...this.open.entries()].reverse();
    this.open.clear();
    for (const [key, { value, close }] of entries) {
      try {
        await close((await value) as never);
      } catch (err) {
        this.onError(key, err);
      }
    }
  }
}
