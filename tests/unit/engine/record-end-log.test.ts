/**
 * The run log says when a record needs a look: a record that failed or was held for review gets an
 * "ended" line (its status and how long it took); one that succeeded or was skipped does not — its
 * status and times are on the record, and a large run's log stays the lines that matter.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { flow, openHarness, records, type Harness } from './harness.ts';

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

describe("the run log's record endings", () => {
  for (const [status, level] of [['failed', 'error'], ['needs_review', 'info'], ['success', null], ['skipped', null]] as const) {
    it(`a record that ends ${status} ${level ? `gets an "ended" line (${level})` : 'gets no line'}`, async () => {
      h = await openHarness();
      const doc = flow([['t', 'test.trigger'], ['end', 'test.end', { status }]], [['t', 'end']]);
      const run = await h.engine.startRun(doc, { input: { records: records(3) } });
      const summary = await h.engine.waitForRun(run.id);
      expect(summary.counts[status]).toBe(3);
      const ended = (await h.store.listLogs(run.id, { limit: 100 })).items.filter((l) => / ended: /.test(l.message));
      if (!level) {
        expect(ended).toEqual([]);
        return;
      }
      expect(ended.map((l) => [l.recordIndex, l.level]).sort()).toEqual([[0, level], [1, level], [2, level]]);
      for (const l of ended) expect(l.message).toMatch(new RegExp(`^Record #${l.recordIndex! + 1} ended: ${status} \\(\\d+ ms\\)$`));
    });
  }
});
