import { describe, expect, it } from 'vitest';
import type { Engine, RunSummary } from '../../../server/engine/engine.ts';
import type { EngineEvent } from '../../../server/engine/events.ts';
import { RunUpdateCoalescer, type RunUpdate } from '../../../server/realtime/run-update-coalescer.ts';

/** An engine whose counter reads answer when the test says, each with the successes at the time it was asked. */
function slowEngine() {
  let successes = 0;
  const reads: Array<{ resolve: () => void }> = [];
  const engine = {
    summary(runId: string): Promise<RunSummary> {
      const asked = successes;
      return new Promise((resolve) => {
        reads.push({ resolve: () => resolve({ id: runId, status: 'running', counts: { success: asked }, nodes: {} } as unknown as RunSummary) });
      });
    },
  } as unknown as Engine;
  return { engine, reads, succeed: () => successes++ };
}

const recordEvent = (index: number): EngineEvent => ({ type: 'record', runId: 'r1', index, status: 'success' }) as unknown as EngineEvent;
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('live run updates', () => {
  it('never send counters older than those already sent: a slow counter read holds the next update back', async () => {
    const { engine, reads, succeed } = slowEngine();
    const sent: RunUpdate[] = [];
    const coalescer = new RunUpdateCoalescer(engine, (_id, u) => sent.push(u), 5);

    succeed();
    coalescer.handle(recordEvent(0));
    await tick(20); // the first update reads the counters (1 success) — and that read is slow
    expect(reads).toHaveLength(1);
    succeed();
    coalescer.handle(recordEvent(1));
    await tick(20);
    // The second update waits for the first read instead of racing it.
    expect(reads).toHaveLength(1);
    reads[0].resolve();
    await tick(20);
    expect(reads).toHaveLength(2);
    reads[1].resolve();
    await tick(20);

    expect(sent.map((u) => [u.seq, (u.counts as { success: number }).success])).toEqual([
      [1, 1],
      [2, 2],
    ]);
    // Record 1's status change is not lost: it rides the second update.
    expect(sent[1].records).toEqual([{ index: 1, status: 'success' }]);
    coalescer.close();
  });
});
