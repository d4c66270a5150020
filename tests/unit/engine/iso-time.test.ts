/** `isoAt` (server/engine/iso-time.ts) gives `toISOString`'s text for every millisecond, remembered or not. */
import { describe, expect, it } from 'vitest';
import { isoAt, isoNow } from '../../../server/engine/iso-time.ts';

describe('isoAt', () => {
  it('is new Date(ms).toISOString() for each time, asked once or again', () => {
    const times = [0, 1, 1, 1_764_950_400_000, 1_764_950_400_000, 1_764_950_400_001, 999, -1];
    for (const ms of times) expect(isoAt(ms)).toBe(new Date(ms).toISOString());
  });

  it('isoNow is the time now', () => {
    const before = Date.now();
    const now = Date.parse(isoNow());
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});
