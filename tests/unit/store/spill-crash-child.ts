/**
 * Child process of spill-crash.test.ts: runs records of 3 steps with 16 concurrent writers on a store
 * whose runs move their finished records' steps to step segments every 8 records (spillBatch), so
 * batches are written almost all the time, until it is killed (SIGKILL). Prints a line only after
 * the write it names resolved (is durable):
 *
 *   ready                      the store is open
 *   run <runId>                createRun resolved
 *   ack <runId> <index> <seq>  commitStep resolved
 *   done <runId> <index>       updateRecord (success) resolved
 *
 * Every 10th record is retried once after it ended (a 4th step, then success again): its steps may be
 * in a segment already, the new one joins them. Each round continues from what the store holds.
 */
import { pathToFileURL } from 'node:url';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import { doneUpdate, instant, recordData, runRow, stepRow, stepUpdate } from './fixtures.ts';

export const SPILL_CRASH_RECORDS = 160;
export const SPILL_CRASH_STEPS = 3;
export const SPILL_CRASH_BATCH = 8;
const WRITERS = 16;

const say = (line: string) => process.stdout.write(line + '\n');

/** Calls `fn` on every item with `n` calls under way at a time. */
async function inParallel<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: n }, worker));
}

async function main(dir: string): Promise<void> {
  const store = await openSqlJsStore(dir, { archiveAfterMs: null, spillBatch: SPILL_CRASH_BATCH, snapshotThresholdBytes: 256 * 1024, onWarning: () => {} });
  say('ready');
  const step = async (runId: string, i: number, seq: number) => {
    await store.commitStep(stepRow(runId, i, seq), stepUpdate(runId, i, seq));
    say(`ack ${runId} ${i} ${seq}`);
  };
  const end = async (runId: string, i: number, steps: number) => {
    await store.updateRecord(doneUpdate(runId, i, steps));
    say(`done ${runId} ${i}`);
  };
  for (let r = 0; ; r++) {
    const runId = `run-${r}`;
    const run = await store.getRun(runId);
    if (run?.status === 'completed') continue;
    if (!run) {
      await store.createRun(runRow(runId, 'spill-flow', instant(r, 0), SPILL_CRASH_RECORDS), Array.from({ length: SPILL_CRASH_RECORDS }, (_, i) => recordData(i)));
      say(`run ${runId}`);
    }
    await inParallel(await store.unfinishedRecords(runId), WRITERS, async (record) => {
      const i = record.index;
      const from = record.checkpoint?.seq ?? 0;
      for (let seq = from + 1; seq <= SPILL_CRASH_STEPS; seq++) await step(runId, i, seq);
      const last = Math.max(from, SPILL_CRASH_STEPS);
      await end(runId, i, last);
      // Every 10th record is retried once: its steps may be in a segment already.
      if (i % 10 === 0 && last === SPILL_CRASH_STEPS) {
        await step(runId, i, last + 1);
        await end(runId, i, last + 1);
      }
    });
    await store.updateRun(runId, { status: 'completed', endedAt: instant(r, 1) });
  }
}

// Run as a process (not when the test imports the constants).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv[2]);
