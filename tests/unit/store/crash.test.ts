/**
 * kill -9: a child process writes to the store with 32 concurrent writers and prints each write
 * once its promise resolved; it is killed with SIGKILL at random moments (and right as snapshots
 * start), round after round in the same directory. The store, reopened, must hold every write the
 * child reported, exactly as written, and nothing half-written.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, it, expect } from 'vitest';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import {
  CRASH_RECORDS_PER_RUN,
  CRASH_STEPS_PER_RECORD,
  checkpoint,
  finalOutput,
  instant,
  recordData,
  runRow,
  stepRow,
  stepUpdate,
  tempDir,
  removeTempDirs,
} from './fixtures.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const CHILD = 'tests/unit/store/crash-child.ts';

type KillPlan =
  | { at: 'after-ready'; ms: number }
  /** Once the child reported this many acknowledged step commits: work is done whatever the machine's load. */
  | { at: 'after-acks'; acks: number }
  | { at: 'after-spawn'; ms: number }
  | { at: 'snapshot-start' };

interface Round {
  plan: KillPlan;
  lines: string[];
  signal: NodeJS.Signals | null;
  /** A kill landed between a snapshot's start and its end. */
  duringSnapshot: boolean;
}

function runRound(dir: string, plan: KillPlan): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let pending = '';
    let stderr = '';
    let killed = false;
    let acks = 0;
    let snapshotOpen = false;
    let duringSnapshot = false;
    const kill = () => {
      if (killed) return;
      killed = true;
      duringSnapshot = snapshotOpen;
      child.kill('SIGKILL');
    };
    const safety = setTimeout(kill, 6000);
    if (plan.at === 'after-spawn') setTimeout(kill, plan.ms);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        lines.push(line); // even after kill(): the child printed it before it died, so it must hold
        if (plan.at === 'after-acks' && line.startsWith('ack ') && ++acks === plan.acks) kill();
        if (line === 'ready' && plan.at === 'after-ready') setTimeout(kill, plan.ms);
        if (line.startsWith('snap start')) {
          snapshotOpen = true;
          if (plan.at === 'snapshot-start') kill();
        } else if (line.startsWith('snap done')) {
          snapshotOpen = false;
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(safety);
      if (signal !== 'SIGKILL') reject(new Error(`the child ended by itself (code ${code}):\n${stderr}`));
      else resolve({ plan, lines, signal, duringSnapshot });
    });
  });
}

/** Values spread over [from, to], one per slice, in random order: every round is killed at a different moment. */
function spread(n: number, from: number, to: number): number[] {
  const slice = (to - from) / n;
  const delays = Array.from({ length: n }, (_, k) => Math.round(from + k * slice + Math.random() * slice));
  for (let i = delays.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [delays[i], delays[j]] = [delays[j], delays[i]];
  }
  return delays;
}

describe('store under kill -9', () => {
  afterAll(removeTempDirs);

  it('keeps every acknowledged write, complete, through repeated SIGKILLs', async () => {
    const dir = tempDir('conveyor-crash-');
    const plans: KillPlan[] = [
      // Two at random times (the first may land before any write), three after a random number of
      // acknowledged steps: under load the child writes slowly, and time alone left too few writes
      // to check (fewer than 1,000 at load 20).
      ...spread(2, 50, 1500).map((ms): KillPlan => ({ at: 'after-ready', ms })),
      ...spread(3, 150, 900).map((acks): KillPlan => ({ at: 'after-acks', acks })),
      { at: 'snapshot-start' },
      { at: 'after-spawn', ms: 150 + Math.round(Math.random() * 400) },
      { at: 'snapshot-start' },
    ];
    const rounds: Round[] = [];
    const t0 = performance.now();
    for (const plan of plans) rounds.push(await runRound(dir, plan));
    const roundsMs = performance.now() - t0;

    // What the child reported as durable.
    const acked = new Map<string, number>(); // "run/index" -> highest acknowledged seq
    const done = new Set<string>();
    const logged = new Set<string>();
    const runsCreated = new Set<string>();
    const runsCompleted = new Set<string>();
    for (const round of rounds) {
      for (const line of round.lines) {
        const [kind, runId, a, b] = line.split(' ');
        if (kind === 'ack') acked.set(`${runId}/${a}`, Math.max(acked.get(`${runId}/${a}`) ?? 0, Number(b)));
        else if (kind === 'done') done.add(`${runId}/${a}`);
        else if (kind === 'log') logged.add(`${runId}/${a}`);
        else if (kind === 'run') runsCreated.add(runId);
        else if (kind === 'completed') runsCompleted.add(runId);
      }
    }
    const ackCount = rounds.reduce((n, r) => n + r.lines.filter((l) => l.startsWith('ack ')).length, 0);
    expect(ackCount).toBeGreaterThan(1000); // the test really exercised the store
    expect(rounds.filter((r) => r.lines.some((l) => l.startsWith('ack '))).length).toBeGreaterThanOrEqual(3);

    const store = await openSqlJsStore(dir);
    const runs = await store.listRuns({ limit: 10_000 });
    const runIds = new Set(runs.map((r) => r.id));
    for (const id of runsCreated) expect(runIds.has(id)).toBe(true);
    let verifiedSteps = 0;
    for (const run of runs) {
      const r = Number(run.id.slice('run-'.length));
      expect(run).toEqual({
        ...runRow(run.id, 'crash-flow', instant(r, 0), CRASH_RECORDS_PER_RUN),
        ...(run.status === 'completed' ? { status: 'completed', endedAt: instant(r, 1) } : {}),
      });
      if (runsCompleted.has(run.id)) expect(run.status).toBe('completed');

      const records = await store.listRecords(run.id, { limit: 1_000_000 });
      expect(records.total).toBe(CRASH_RECORDS_PER_RUN);
      const expectedCounts: Record<string, { success: number; failed: number; review: number }> = {};
      for (const rec of records.items) {
        const i = rec.index;
        const key = `${run.id}/${i}`;
        const steps = await store.listSteps(run.id, i);
        const k = steps.length;
        // Steps 1..k, each exactly as written (every JSON column parsed and compared).
        const expected = Array.from({ length: k }, (_, q) => stepRow(run.id, i, q + 1));
        if (!isDeepStrictEqual(steps, expected)) expect(steps).toEqual(expected); // (fast path first: many steps)
        verifiedSteps += k;
        for (const s of steps) {
          const c = (expectedCounts[s.nodeId] ??= { success: 0, failed: 0, review: 0 });
          c[s.status]++;
        }
        expect(k).toBeGreaterThanOrEqual(acked.get(key) ?? 0);
        expect(rec.data).toEqual(recordData(i));
        // The record agrees with its steps: its checkpoint was committed with its last step.
        if (rec.status === 'success') {
          expect(rec).toMatchObject({ checkpoint: null, output: finalOutput(i, CRASH_STEPS_PER_RECORD), endedAt: instant(i, CRASH_STEPS_PER_RECORD + 1) });
          expect(k).toBe(CRASH_STEPS_PER_RECORD);
        } else if (k === 0) {
          expect(rec).toMatchObject({ status: 'pending', checkpoint: null, startedAt: null, output: null });
        } else {
          expect(rec).toMatchObject({ status: 'running', checkpoint: checkpoint(i, k), startedAt: stepUpdate(run.id, i, 1).startedAt, output: null });
        }
        if (done.has(key)) expect(rec.status).toBe('success');
      }
      expect(await store.stepCounts(run.id)).toEqual(expectedCounts);

      // Log lines: each acknowledged one present, none twice.
      const logs = await store.listLogs(run.id, { limit: 1_000_000 });
      const messages = logs.items.map((l) => l.message);
      expect(new Set(messages).size).toBe(messages.length);
      for (const l of logs.items) expect(l.data).toEqual({ index: l.recordIndex });
      for (const key of logged) {
        const [runId, i] = key.split('/');
        if (runId === run.id) expect(messages).toContain(`record ${i} done`);
      }
    }
    expect(verifiedSteps).toBeGreaterThanOrEqual(ackCount);

    // Still writable after all that.
    const last = runs[0];
    const target = (await store.unfinishedRecords(last.id))[0];
    if (target) {
      const seq = (target.checkpoint?.seq ?? 0) + 1;
      await store.commitStep(stepRow(last.id, target.index, seq), stepUpdate(last.id, target.index, seq));
    }
    await store.close();
    const again = await openSqlJsStore(dir);
    if (target) expect((await again.listSteps(last.id, target.index)).length).toBe((target.checkpoint?.seq ?? 0) + 1);
    await again.close();

    const summary = rounds.map((r) => {
      const acks = r.lines.filter((l) => l.startsWith('ack ')).length;
      const when = r.plan.at === 'snapshot-start' ? 'at snapshot start' : r.plan.at === 'after-acks' ? `after ${r.plan.acks} acks` : `${r.plan.ms} ms ${r.plan.at}`;
      return `${when}: ${acks} acks${r.duringSnapshot ? ', killed during a snapshot' : ''}`;
    });
    const checkMs = performance.now() - t0 - roundsMs;
    console.log(`[crash] ${runs.length} runs, ${verifiedSteps} steps verified; rounds ${Math.round(roundsMs)} ms, checks ${Math.round(checkMs)} ms\n  ${summary.join('\n  ')}`);
  }, 60_000);
});
