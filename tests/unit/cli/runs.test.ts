import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import { doneUpdate, recordData, runRow, stepRow, stepUpdate } from '../store/fixtures.ts';

const cli = (args: string[]) => spawnSync(process.execPath, ['bin/conveyor.js', ...args], { encoding: 'utf8', timeout: 60_000 });

const DAY = 86_400_000;

/** A data folder with an old run (ended 60 days ago, 5 records), a recent one (2 records) and one in review. */
async function dataFolder(): Promise<string> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'conveyor-cli-runs-'));
  const store = await openSqlJsStore(path.join(dataDir, 'store'));
  const runs: Array<[string, number, number]> = [
    ['run_old', 5, 60],
    ['run_new', 2, 1],
    ['run_review', 1, 90],
  ];
  for (const [id, n, daysAgo] of runs) {
    const at = new Date(Date.now() - daysAgo * DAY).toISOString();
    await store.createRun(runRow(id, 'f', at, n), Array.from({ length: n }, (_, i) => recordData(i)));
    for (let i = 0; i < n; i++) {
      await store.commitStep(stepRow(id, i, 1), stepUpdate(id, i, 1));
      await store.updateRecord(id === 'run_review' ? { runId: id, index: i, status: 'needs_review', checkpoint: null } : doneUpdate(id, i, 1));
    }
    await store.updateRun(id, { status: 'completed', endedAt: at });
  }
  await store.close();
  fs.mkdirSync(path.join(dataDir, 'evidence', 'run_old'), { recursive: true });
  fs.writeFileSync(path.join(dataDir, 'evidence', 'run_old', '0-shot.png'), Buffer.alloc(100_000));
  return dataDir;
}

async function runIds(dataDir: string): Promise<string[]> {
  const store = await openSqlJsStore(path.join(dataDir, 'store'));
  try {
    return (await store.listRuns()).map((r) => r.id).sort();
  } finally {
    await store.close();
  }
}

describe('npx conveyor runs / storage', () => {
  it('storage lists the runs biggest first with their sizes and the folder totals', async () => {
    const dataDir = await dataFolder();
    const r = cli(['storage', '--data-dir', dataDir]);
    expect(r.stderr).not.toMatch(/Error|\n\s+at /); // (a notice about the folder's permissions may come first)
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^3 runs, [\d.]+ KB \(estimate\)\. On disk: store [\d.]+ KB, evidence 97\.7 KB, uploads 0 B, archive 0 B, files chosen in steps 0 B \(0\)\./);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('  run_'));
    expect(lines.map((l) => l.trim().split(' ')[0])).toEqual(['run_old', 'run_new', 'run_review']);
    expect(lines[0]).toContain('5 records');
    const json = JSON.parse(cli(['storage', '--json', '--sort', 'age', '--data-dir', dataDir]).stdout);
    expect(json.items.map((i: { id: string }) => i.id)).toEqual(['run_review', 'run_old', 'run_new']);
    expect(json.items[1]).toMatchObject({ evidenceBytes: 100_000, recordCount: 5 });
    const bad = cli(['storage', '--sort', 'weight', '--data-dir', dataDir]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^Error E_USAGE: Unknown sort "weight"\.\nHint: /);
  });

  it('runs prune --dry-run lists what would go and changes nothing; then prune --archive deletes it, archived, and audits it as the CLI', async () => {
    const dataDir = await dataFolder();
    const dry = cli(['runs', 'prune', '--older-than', '30d', '--dry-run', '--data-dir', dataDir]);
    expect(dry.stderr).not.toMatch(/Error|\n\s+at /); // (a notice about the folder's permissions may come first)
    expect(dry.status).toBe(0);
    expect(dry.stdout).toMatch(/^Dry run: would delete 1 run \(completed, failed, stopped\) that ended before \S+, [\d.]+ KB\. Nothing was changed\./);
    expect(dry.stdout).toMatch(/^ {2}run_old {2}Flow f {2}completed {2}ended \S+ {2}5 records/m);
    expect(dry.stdout).toContain('Kept 1 run:');
    expect(dry.stdout).toContain('E_RUN_IN_REVIEW: Run run_review has 1 record waiting in the review queue.');
    expect(await runIds(dataDir)).toEqual(['run_new', 'run_old', 'run_review']);

    const archive = path.join(dataDir, '..', `${path.basename(dataDir)}-archive`);
    const real = cli(['runs', 'prune', '--older-than', '30d', '--archive', archive, '--data-dir', dataDir]);
    expect(real.status).toBe(0);
    expect(real.stdout).toMatch(/^Deleted 1 run .* archived into /);
    expect(await runIds(dataDir)).toEqual(['run_new', 'run_review']);
    expect(fs.existsSync(path.join(dataDir, 'evidence', 'run_old'))).toBe(false);
    expect(fs.readFileSync(path.join(archive, 'run_old', 'records.jsonl'), 'utf8').trim().split('\n')).toHaveLength(5);
    expect(fs.statSync(path.join(archive, 'run_old', 'evidence', '0-shot.png')).size).toBe(100_000);

    // Forced, the run in review goes too; the audit names the CLI.
    const forced = cli(['runs', 'prune', '--older-than', '30d', '--force', '--json', '--data-dir', dataDir]);
    expect(JSON.parse(forced.stdout).runs.map((r: { id: string }) => r.id)).toEqual(['run_review']);
    const store = await openSqlJsStore(path.join(dataDir, 'store'));
    const audit = (await store.listAudit()).items;
    await store.close();
    expect(audit.map((a) => [a.runId, a.actor, a.action, a.records])).toEqual([
      ['run_review', 'cli', 'run.delete', 1],
      ['run_old', 'cli', 'run.archive', 5],
    ]);
  });

  it('runs delete deletes one run; refuses unknown runs, bad ages and a data folder the studio holds, changing nothing', async () => {
    const dataDir = await dataFolder();
    const r = cli(['runs', 'delete', 'run_new', '--data-dir', dataDir]);
    expect(r.stderr).not.toMatch(/Error|\n\s+at /); // (a notice about the folder's permissions may come first)
    expect(r.stdout).toMatch(/^Deleted run run_new \(Flow f, completed\): 2 records, [\d.]+ KB\./);
    expect(await runIds(dataDir)).toEqual(['run_old', 'run_review']);

    const unknown = cli(['runs', 'delete', 'run_nope', '--data-dir', dataDir]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^Error E_RUN_NOT_FOUND: There is no run run_nope\.\nHint: /);
    const review = cli(['runs', 'delete', 'run_review', '--data-dir', dataDir]);
    expect(review.stderr).toMatch(/^Error E_RUN_IN_REVIEW: .*\nHint: .*--force/);
    const age = cli(['runs', 'prune', '--older-than', 'a month', '--data-dir', dataDir]);
    expect(age.status).toBe(2);
    expect(age.stderr).toMatch(/^Error E_USAGE: "a month" is not an age\./);

    // The studio holds the folder (a live process's lock): refused, nothing deleted.
    fs.writeFileSync(path.join(dataDir, 'conveyor.lock'), String(process.pid));
    const busy = cli(['runs', 'delete', 'run_old', '--data-dir', dataDir]);
    expect(busy.status).toBe(2);
    expect(busy.stderr).toMatch(/^Error E_DATA_DIR_BUSY: /);
    fs.rmSync(path.join(dataDir, 'conveyor.lock'));
    expect(await runIds(dataDir)).toEqual(['run_old', 'run_review']);
  });
});
