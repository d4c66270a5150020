/**
 * Child process of crash.test.ts: writes to the store in `argv[2]` as fast as it can, with 32
 * concurrent writers, until it is killed (SIGKILL). Prints a line only after the write it names
 * resolved (i.e. is durable):
 *
 *   ready                      the store is open
 *   run <runId>                createRun resolved
 *   ack <runId> <index> <seq>  commitStep resolved (step + record checkpoint)
 *   done <runId> <index>       updateRecord (success) resolved
 *   log <runId> <index>        appendLogs resolved
 *   snap <phase> <seq>         a snapshot started / became durable
 *
 * Each round continues from what the store holds, so the kills land at different points of
 * different runs. Every written value is a function of (run, record, seq): see fixtures.ts.
 */
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import { CRASH_RECORDS_PER_RUN as RECORDS_PER_RUN, CRASH_STEPS_PER_RECORD as STEPS_PER_RECORD } from './fixtures.ts';
import { doneUpdate, instant, recordData, runRow, stepRow, stepUpdate } from './fixtures.ts';

const WRITERS = 32;

const dir = process.argv[2];
if (!dir) throw new Error('usage: crash-child.ts <dir>');

const say = (line: string) => process.stdout.write(line + '\n');

const store = await openSqlJsStore(dir, {
  // Tiny: snapshots happen as often as the store allows (whenever the journal outgrows the database).
  snapshotThresholdBytes: 16 * 1024,
  onSnapshot: (e) => say(`snap ${e.phase} ${e.seq}`),
});
say('ready');

for (let r = 0; ; r++) {
  const runId = `run-${r}`;
  const run = await store.getRun(runId);
  if (run?.status === 'completed') continue;
  if (!run) {
    await store.createRun(
      runRow(runId, 'crash-flow', instant(r, 0), RECORDS_PER_RUN),
      Array.from({ length: RECORDS_PER_RUN }, (_, i) => recordData(i)),
    );
    say(`run ${runId}`);
  }
  const todo = await store.unfinishedRecords(runId);
  let next = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      for (;;) {
        const record = todo[next++];
        if (!record) return;
        const i = record.index;
        for (let seq = (record.checkpoint?.seq ?? 0) + 1; seq <= STEPS_PER_RECORD; seq++) {
          await store.commitStep(stepRow(runId, i, seq), stepUpdate(runId, i, seq));
          say(`ack ${runId} ${i} ${seq}`);
        }
        await store.updateRecord(doneUpdate(runId, i, STEPS_PER_RECORD));
        say(`done ${runId} ${i}`);
        await store.appendLogs([
          { runId, recordIndex: i, nodeId: null, level: 'info', message: `record ${i} done`, data: { index: i }, at: instant(i, 99) },
        ]);
        say(`log ${runId} ${i}`);
      }
    }),
  );
  await store.updateRun(runId, { status: 'completed', endedAt: instant(r, 1) });
  say(`completed ${runId}`);
}
