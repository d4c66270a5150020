import { describe, expect, it } from 'vitest';
import { failureOf } from '../sdk/testing.ts';
import { servedPages, testPagesAndRecords } from './test-records.ts';
import { browserOpen } from './open.ts';
import { browserFill } from './fill.ts';

// The test pages are served on 127.0.0.1: allowed explicitly, as an administrator would (CONVEYOR_ALLOW_HOSTS).
process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';

// A page whose own work holds its main thread — what a loaded machine does to every page (four
// windows at concurrency 4 on two cores): its timers fire late. The fill's watch for a rewrite must
// count the page's time, not the studio's: here the page empties a coupon 300 ms after it is typed,
// but a long task of its own (1.2 s, from 50 ms on) holds that timer back, and a watch counted in
// the studio's time ended before the page got to it, reporting the coupon filled.
const PAGE = `<!doctype html><html><body><input id="coupon" oninput="
  const field = this;
  clearTimeout(window.rewrite);
  window.rewrite = setTimeout(() => { field.value = ''; }, 300);
  setTimeout(() => { const t = performance.now(); while (performance.now() - t < 1200); }, 50);
"><input id="plain"></body></html>`;

const pages = servedPages({ '': PAGE });

const t = testPagesAndRecords();

describe('fill on a page whose own work holds its timers back (real Chromium)', () => {
  it('a rewrite the page makes late is still seen: the fill fails, showing what the page left', { timeout: 60_000 }, async () => {
    const r = t.record({ coupon: 'SAVE10' });
    try {
      await r.step(browserOpen, { url: pages.base });
      const err = await failureOf(() => r.step(browserFill, { selectors: ['#coupon'], value: '{{ coupon }}' }));
      expect(err.code).toBe('E_VERIFY_FAILED');
      expect(err.message).toMatch(/holds nothing/);
    } finally {
      await r.done();
    }
  });
});
