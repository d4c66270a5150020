/**
 * kill -9 while runs move finished records' steps to step segments (server/store/archive/spill.ts):
 * a child writes records with 16 writers and a batch every 8 finished records; it is killed at random
 * moments and right as a step segment is written (the parent watches the segment folders), round after
 * round in the same folder. After each kill: `store verify` says healthy (a torn batch loses nothing),
 * the store reopens with every acknowledged step exactly once and in order, records that had ended
 * read back the very steps they read before, and verify still says healthy after the restart.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlJsStore, type SqlJsStore } from '../../../server/store/sqljs-store.ts';
import { verifyStore } from '../../../server/store/maintenance.ts';
import type { RecordRow, StepRow } from '../../../server/store/types.ts';
import { checkpoint, finalOutput, instant, recordData, removeTempDirs, stepRow, tempDir } from './fixtures.ts';
import { SPILL_CRASH_BATCH, SPILL_CRASH_RECORDS, SPILL_CRASH_STEPS } from './spill-crash-child.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const CHILD = 'tests/unit/store/spill-crash-child.ts';

/** Both count from the round's first acknowledged step (a loaded machine takes seconds to start the child). */
type KillPlan = { at: 'after-ack'; ms: number } | { at: 'segment-write'; nth: number };

interface Round {
  plan: KillPlan;
  lines: string[];
  /** The kill came from the plan (not the safety timer). */
  planned: boolean;
}

function runRound(storeDir: string, plan: KillPlan): Promise<Round> {
  return new Promise((resolve, reject) => {
    const runsDir = path.join(storeDir, 'runs');
    fs.mkdirSync(runsDir, { recursive: true });
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, storeDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let pending = '';
    let stderr = '';
    let killed = false;
    let planned = false;
    let writing = false;
    let writes = 0;
    const kill = (byPlan: boolean) => {
      if (killed) return;
      killed = true;
      planned = byPlan;
      child.kill('SIGKILL');
    };
    const safety = setTimeout(() => kill(false), 15_000);
    // A step segment written to (created or appended): the batch's op may or may not be in the journal yet.
    const watcher = fs.watch(runsDir, { recursive: true }, (_event, name) => {
      if (plan.at !== 'segment-write' || !writing || !String(name ?? '').includes('.steps')) return;
      if (++writes === plan.nth) kill(true);
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        lines.push(line); // printed before it died: it must hold
        if (!writing && line.startsWith('ack ')) {
          writing = true;
          if (plan.at === 'after-ack') setTimeout(() => kill(true), plan.ms);
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(safety);
      watcher.close();
      if (signal !== 'SIGKILL') reject(new Error(`the child ended by itself (code ${code}):\n${stderr}`));
      else resolve({ plan, lines, planned });
    });
  });
}

/** What the child reported as durable so far: highest step per record, and records whose last word was "done". */
function reported(rounds: Round[]): { acked: Map<string, number>; ended: Set<string>; runs: Set<string> } {
  const acked = new Map<string, number>();
  const ended = new Set<string>();
  const runs = new Set<string>();
  for (const round of rounds) {
    for (const line of round.lines) {
      const [kind, runId, a, b] = line.split(' ');
      const key = `${runId}/${a}`;
      if (kind === 'ack') {
        acked.set(key, Math.max(acked.get(key) ?? 0, Number(b)));
        ended.delete(key);
      } else if (kind === 'done') ended.add(key);
      else if (kind === 'run') runs.add(runId);
    }
  }
  return { acked, ended, runs };
}

/**
 * One record as the reopened store serves it: steps 1..k each once and exactly as written (k at least
 * the highest step acknowledged), and a status that agrees with them. Returns its steps.
 */
async function checkRecord(store: SqlJsStore, rec: RecordRow, acked: number, ended: boolean): Promise<StepRow[]> {
  const { runId, index } = rec;
  const steps = await store.listSteps(runId, index);
  const k = steps.length;
  const written = Array.from({ length: k }, (_, q) => stepRow(runId, index, q + 1));
  if (!isDeepStrictEqual(steps, written)) expect(steps).toEqual(written); // (the fast path first)
  expect(k).toBeGreaterThanOrEqual(acked);
  expect(rec.data).toEqual(recordData(index));
  // Reported done: it stays done — unless it is a retried record (every 10th) whose retry step was
  // under way, not yet acknowledged, at the kill: that write may have landed, so it is running again
  // at that step (the child then ends it from there).
  const retryLanded = index % 10 === 0 && k === SPILL_CRASH_STEPS + 1 && rec.status === 'running';
  if (ended && !retryLanded) expect(rec.status, `record ${index}, reported done, with ${k} steps`).toBe('success');
  if (rec.status === 'success') {
    expect([SPILL_CRASH_STEPS, ...(index % 10 === 0 ? [SPILL_CRASH_STEPS + 1] : [])]).toContain(k);
    expect(rec).toMatchObject({ checkpoint: null, output: finalOutput(index, k), endedAt: instant(index, k + 1) });
  } else {
    expect(rec).toMatchObject(k === 0 ? { status: 'pending', checkpoint: null } : { status: 'running', checkpoint: checkpoint(index, k) });
  }
  return steps;
}

describe('step segments under kill -9', () => {
  afterAll(removeTempDirs);

  it('lose nothing, serve nothing twice, verify healthy before and after each restart, ended records read the same steps', async () => {
    const dataDir = tempDir('conveyor-spill-crash-');
    const storeDir = path.join(dataDir, 'store');
    const plans: KillPlan[] = [
      { at: 'after-ack', ms: 300 + Math.round(Math.random() * 700) },
      { at: 'segment-write', nth: 1 + Math.floor(Math.random() * 4) },
      { at: 'after-ack', ms: 50 + Math.round(Math.random() * 1200) },
      { at: 'segment-write', nth: 1 },
      { at: 'segment-write', nth: 2 + Math.floor(Math.random() * 6) },
    ];
    const rounds: Round[] = [];
    /** Steps of records that had ended, as read after an earlier kill. */
    const endedSteps = new Map<string, StepRow[]>();
    let spilledRecords = 0;
    let verifiedSteps = 0;
    for (const plan of plans) {
      rounds.push(await runRound(storeDir, plan));
      const { acked, ended, runs: created } = reported(rounds);

      const before = await verifyStore(dataDir);
      if (!before.healthy) throw new Error(`verify after the kill:\n${before.lines.join('\n')}`);

      const store = await openSqlJsStore(storeDir, { archiveAfterMs: null, spillBatch: SPILL_CRASH_BATCH, onWarning: () => {} });
      const runs = await store.listRuns({ limit: 1000 });
      for (const id of created) expect(runs.map((r) => r.id)).toContain(id);
      for (const run of runs) {
        const records = await store.listRecords(run.id, { limit: 10_000 });
        expect(records.total).toBe(SPILL_CRASH_RECORDS);
        const counts: Record<string, { success: number; failed: number; review: number }> = {};
        for (const rec of records.items) {
          const key = `${run.id}/${rec.index}`;
          const steps = await checkRecord(store, rec, acked.get(key) ?? 0, ended.has(key));
          verifiedSteps += steps.length;
          for (const s of steps) (counts[s.nodeId] ??= { success: 0, failed: 0, review: 0 })[s.status]++;
          // An ended record reads the same steps after every later kill (wherever they are kept by then).
          if (rec.status !== 'success') continue;
          if (endedSteps.has(key)) expect(steps).toEqual(endedSteps.get(key));
          endedSteps.set(key, steps);
        }
        expect(await store.stepCounts(run.id)).toEqual(counts);
      }
      await store.close();

      const after = await verifyStore(dataDir);
      if (!after.healthy) throw new Error(`verify after the restart:\n${after.lines.join('\n')}`);
      spilledRecords = Math.max(spilledRecords, after.spills.reduce((n, c) => n + c.named, 0));
    }

    const acks = rounds.reduce((n, r) => n + r.lines.filter((l) => l.startsWith('ack ')).length, 0);
    console.log(
      `[spill-crash] ${acks} acks, ${spilledRecords} records' steps in segments at the end; ${rounds
        .map((r) => `${r.plan.at === 'after-ack' ? `${r.plan.ms} ms after an ack` : `segment write ${r.plan.nth}`}${r.planned ? '' : ' (safety)'}: ${r.lines.filter((l) => l.startsWith('ack ')).length} acks`)
        .join(', ')}`,
    );
    expect(acks).toBeGreaterThan(100); // the rounds really wrote (a few hundred under load, thousands on an idle machine)
    expect(rounds.filter((r) => r.plan.at === 'segment-write' && r.planned).length).toBeGreaterThanOrEqual(2); // killed as segments were written
    expect(spilledRecords).toBeGreaterThan(SPILL_CRASH_BATCH * 2); // steps really went to segments
    expect(verifiedSteps).toBeGreaterThanOrEqual(acks);
  }, 240_000);
});
