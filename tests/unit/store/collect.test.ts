/**
 * The collection a snapshot runs before its export (server/store/collect.ts) frees what nothing refers to.
 */
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../../../server/store/collect.ts';

describe('collectGarbage', () => {
  it('reaches the collector and frees an unreachable 64 MiB buffer at once', async () => {
    let big: Uint8Array | null = new Uint8Array(64 << 20).fill(1);
    const ref = new WeakRef(big);
    big = null;
    // A WeakRef's target stays alive until the job that made it ends.
    await tick();
    expect(collectGarbage()).toBe(true);
    // Compared as a boolean: a failure would otherwise print the 64 MiB array.
    expect(ref.deref() === undefined).toBe(true);
  });
});
