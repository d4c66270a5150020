/**
 * `conveyor store copy`: an embedded store with flows, a schedule's state, runs (keys, settled records,
 * rejects, events, logs, a fanned-out checkpoint, node state) and a deleted run's audit is copied
 * into an empty PostgreSQL database by the CLI: both stores then read the same. A non-empty target is
 * refused unless --replace; a data folder a studio holds is refused.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import { openPgStore } from '../../../server/store/pg/pg-store.ts';
import pg from 'pg';
import { openVault } from '../../../server/vault/vault.ts';
import { copyEmbeddedToPg } from '../../../server/store/pg/copy.ts';
import { lockDataDir } from '../../../server/data-dir-lock.ts';
import type { RecordCheckpoint, Store } from '../../../server/store/types.ts';
import { doneUpdate, flowDoc, instant, recordData, runRow, stepRow, stepUpdate } from './fixtures.ts';
import { dumpRuns } from './contract/runs-contract.ts';
import { evidenceSink } from '../../../server/engine/evidence.ts';
import { sumOf } from '../../../server/store/file-sums.ts';
import { createTestDatabase, type TestDatabase } from './contract/pg-database.ts';

let db: TestDatabase;
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-copy-'));
const RUNS = ['old', 'keyed', 'fanned'];

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['bin/conveyor.js', ...args], { env: { ...process.env, CONVEYOR_FROM_SOURCE: '1', CONVEYOR_STORE: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

async function populate(store: Store): Promise<void> {
  await store.putFlow(flowDoc('f', 'Daily'));
  await store.putFlow(flowDoc('g', 'Other'));
  await store.putNodeState([
    { scope: 'schedule:f', nodeId: 'trigger', key: 'enabled', value: true },
    { scope: 'schedule:f', nodeId: 'trigger', key: 'lastTick', value: '2024-05-01T08:00:00.000Z' },
    { scope: 'install', nodeId: 'summary', key: 'settings', value: { daily: true } },
  ]);
  // A run that is deleted: only its retention audit stays.
  await store.createRun({ ...runRow('old', 'f', instant(0, 0), 1), status: 'completed' }, [recordData(0)]);
  await store.deleteRun('old', { audit: { at: instant(0, 5), actor: 'cli', action: 'run.delete', runId: 'old', flowId: 'f', records: 1, bytes: 10 } });
  // Keys, a settled duplicate, rejects, steps with node state, events, logs, an in-doubt record.
  // Keyed by email, as a run of a flow with a business key stores them (record 3 repeats record 0).
  const keyed = [0, 1, 2, 0].map(recordData);
  await store.createRun({ ...runRow('keyed', 'f', instant(1, 0), 4), settings: { concurrency: 8, businessKey: 'email' } }, keyed, {
    keys: keyed.map((r) => String(r.email)),
    settled: [{ index: 3, status: 'skipped', reason: 'Duplicate of record #1' }],
    rejects: [{ row: 9, field: 'email', rule: 'email', value: 'x', message: 'not an email' }],
    rows: [2, 3, 4, 5],
  });
  for (let i = 0; i < 2; i++) {
    for (let seq = 1; seq <= 3; seq++) await store.commitStep(stepRow('keyed', i, seq), stepUpdate('keyed', i, seq), [{ scope: 'flow:f', nodeId: 'dist', key: `n${i}`, value: seq }]);
    await store.updateRecord({ ...doneUpdate('keyed', i, 3), event: { at: instant(i, 9), from: 'running', to: 'success', actor: 'engine', action: 'finished', note: null, data: null } });
  }
  await store.updateRecord({ runId: 'keyed', index: 2, status: 'running', checkpoint: { tokens: [], groups: [], nextTokenId: 2, nextGroupId: 1, seq: 1, outcomes: [], inFlight: { tokenId: 1, nodeId: 'n', attempt: 1, startedAt: instant(2, 0) } } });
  await store.appendLogs([{ runId: 'keyed', recordIndex: 1, nodeId: 'set', level: 'warn', message: 'slow', data: { ms: 900 }, at: instant(1, 1) }]);
  await store.updateRun('keyed', { status: 'interrupted' });
  // A fanned-out record: its checkpoint kept as header + rows.
  await store.createRun(runRow('fanned', 'g', instant(2, 0), 1), [recordData(0)]);
  const header = { tokens: [], groups: [], nextTokenId: 3, nextGroupId: 2, seq: 1, outcomes: [], outcomeCounts: { success: 1 } } as unknown as RecordCheckpoint;
  await store.commitStep(stepRow('fanned', 0, 1), {
    runId: 'fanned',
    index: 0,
    status: 'running',
    checkpoint: header,
    tokenRows: { put: [['t', 2, 1, { id: 2, nodeId: 'b', data: { x: 1 }, fromStep: 1, groups: [1] }], ['g', 1, 1, { id: 1, size: 2, ended: 1, parentGroups: [] }]], drop: [] },
  });
}

/** Everything a store shows of the copied data, through its reads. */
async function everything(store: Store) {
  const runs: Record<string, unknown> = {};
  for (const id of RUNS) {
    const events = await store.listRunEvents(id, { limit: 1000 });
    runs[id] = { events, rejects: await store.listRejects(id), timings: await store.recordTimings(id), review: await store.listReview({ runId: id, statuses: ['success', 'skipped', 'needs_review', 'failed'] }) };
  }
  return {
    dump: await dumpRuns(store, RUNS),
    runs,
    audit: await store.listAudit(),
    schedule: await store.listNodeState('schedule:f', 'trigger'),
    install: await store.listNodeState('install', 'summary'),
    dist: await store.listNodeState('flow:f', 'dist'),
    keys: [...(await store.keyAttempts('f', ['p0@example.com', 'p1@example.com', 'p2@example.com'], 'new'))],
    heads: await store.listRunHeads(),
  };
}

describe('store copy (embedded → PostgreSQL)', () => {
  it('copies every flow, schedule, node state, run and audit row; both stores read the same', async () => {
    // Finished records' steps leave the embedded store's tables for its step segments (spillBatch 1):
    // the copy reads them wherever they are.
    const source = await openSqlJsStore(path.join(dataDir, 'store'), { spillBatch: 1 });
    await populate(source);
    // A file chosen in a node's form: kept beside the store, copied into the kept_files table.
    const chosen = Buffer.from([0x25, 0x50, 0x44, 0x46, 0, 0xff]);
    const chosenSha = await source.putKeptFile(chosen);
    await new Promise((r) => setTimeout(r, 200));
    // Evidence a step of 'keyed' wrote (with its checksum record), a deleted run's leftover folder, an upload.
    const shot = Buffer.from('<html>the page as it was</html>');
    const evidenceRef = await evidenceSink(path.join(dataDir, 'evidence'), 'keyed', 1, []).attach('page.html', shot, 'text/html');
    await evidenceSink(path.join(dataDir, 'evidence'), 'old', 0, []).attach('gone.txt', 'of a deleted run', 'text/plain');
    const sheet = Buffer.from('email\np0@example.com\n');
    mkdirSync(path.join(dataDir, 'uploads'), { recursive: true });
    writeFileSync(path.join(dataDir, 'uploads', 'abc123.csv'), sheet);
    writeFileSync(path.join(dataDir, 'uploads', 'abc123.csv.json'), JSON.stringify({ id: 'abc123.csv', name: 'Leads May.csv', size: sheet.length, ...sumOf(sheet) }));
    const vault = await openVault(dataDir, { env: {} });
    await vault.create({ name: 'API', kind: 'api_key', fields: {}, secrets: { key: 'k-secret-1234' }, scope: { nodeTypes: ['core.http-request'] } });
    const expected = await everything(source);
    await source.close();

    const { code, stdout, stderr } = await cli(['store', 'copy', '--from', dataDir, '--to', db.url, '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.counts).toEqual({ flows: 2, schedules: 1, runs: 2, records: 5, steps: 7, logs: 1, events: 3, rejects: 1, nodeState: 5, audit: 1, evidence: 1, uploads: 1 });
    expect(stdout).not.toContain('k-secret-1234');

    const target = await openPgStore(db.url);
    expect(await everything(target)).toEqual(expected);
    expect((await target.getRecord('fanned', 0))?.checkpoint?.tokens.map((t) => t.nodeId)).toEqual(['b']);
    expect((await target.readKeptFile(chosenSha))?.equals(chosen)).toBe(true);
    // Evidence and the upload are served from the database now, by any studio or worker.
    expect((await target.readEvidence(evidenceRef))?.equals(shot)).toBe(true);
    expect(await target.evidenceBytes('old')).toBe(0);
    const fetched = path.join(mkdtempSync(path.join(os.tmpdir(), 'conveyor-copy-fetch-')), 'abc123.csv');
    expect(await target.fetchUpload('abc123.csv', fetched)).toMatchObject({ name: 'Leads May.csv', size: sheet.length });
    expect(readFileSync(fetched).equals(sheet)).toBe(true);
    await target.close();
  }, 120_000);

  it('refuses a target that holds data unless --replace, and says what the credentials need', async () => {
    const refused = await copyEmbeddedToPg(dataDir, db.url).then(
      () => null,
      (err: unknown) => err as { code: string; message: string },
    );
    expect(refused?.code).toBe('E_STORE_COPY_TARGET');
    expect(refused?.message).toMatch(/2 flows, 2 runs/);
    const untouched = await openPgStore(db.url);
    expect((await untouched.listFlows()).map((f) => f.id)).toEqual(['f', 'g']);
    await untouched.close();

    const source = await openSqlJsStore(path.join(dataDir, 'store'));
    await source.putFlow(flowDoc('h', 'Added later'));
    await source.close();
    const replaced = await cli(['store', 'copy', '--from', dataDir, '--to', db.url, '--replace']);
    expect(replaced.stderr).toBe('');
    expect(replaced.stdout).toMatch(/3 flows/);
    expect(replaced.stdout).toMatch(/--replace/);
    expect(replaced.stdout).toMatch(/Credentials: 1 credential moved into the PostgreSQL store's vault, still encrypted/);
    // In the database the secret is the sealed box only; the data folder's key opens it there.
    const row = new pg.Client({ connectionString: db.url });
    await row.connect();
    const doc = (await row.query<{ doc: string }>('SELECT doc FROM vault')).rows[0].doc;
    await row.end();
    expect(doc).not.toContain('k-secret-1234');
    const shared = await openVault(dataDir, { env: {}, store: { kind: 'postgres', url: db.url } });
    expect((await shared.lookup('API'))?.secrets.key).toBe('k-secret-1234');
    await shared.close();
    const target = await openPgStore(db.url);
    expect((await target.listFlows()).map((f) => f.id)).toEqual(['h', 'f', 'g']); // by name: Added later, Daily, Other
    expect((await target.listRuns()).map((r) => r.id).sort()).toEqual(['fanned', 'keyed']);
    await target.close();
  }, 120_000);

  it('refuses a data folder in use (the studio must be stopped) and a folder without a store', async () => {
    const unlock = lockDataDir(dataDir);
    try {
      const busy = await cli(['store', 'copy', '--from', dataDir, '--to', db.url, '--replace']);
      expect(busy.code).not.toBe(0);
      expect(busy.stderr).toMatch(/E_DATA_DIR_BUSY/);
    } finally {
      unlock();
    }
    const empty = mkdtempSync(path.join(os.tmpdir(), 'conveyor-copy-empty-'));
    await expect(copyEmbeddedToPg(empty, db.url, { replace: true })).rejects.toMatchObject({ code: 'E_STORE_COPY_SOURCE' });
    rmSync(empty, { recursive: true, force: true });
    const bad = await cli(['store', 'copy', '--from', dataDir, '--to', 'mysql://root:hunter2@h/db']);
    expect(bad.stderr).toMatch(/E_STORE_CONFIG/);
    expect(bad.stderr).not.toContain('hunter2');
  }, 120_000);
  it('refuses a damaged evidence file (nothing copied) and copies without it once store repair has moved it aside', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-copy-damaged-'));
    try {
      const source = await openSqlJsStore(path.join(dir, 'store'));
      await source.createRun(runRow('r1', 'f', instant(0, 0), 1), [recordData(0)]);
      await source.close();
      const ok = await evidenceSink(path.join(dir, 'evidence'), 'r1', 0, []).attach('ok.txt', 'intact', 'text/plain');
      const bad = await evidenceSink(path.join(dir, 'evidence'), 'r1', 0, []).attach('bad.txt', 'written whole', 'text/plain');
      writeFileSync(path.join(dir, 'evidence', bad), 'changed on disk');
      const refused = await copyEmbeddedToPg(dir, db.url, { replace: true }).then(
        () => null,
        (err: unknown) => err as { code: string; message: string; hint: string },
      );
      expect(refused?.code).toBe('E_STORE_COPY_DAMAGED');
      expect(refused?.message).toContain(`evidence file ${bad}`);
      expect(refused?.hint).toMatch(/store repair/);
      // The target is as it was (the previous test's copy).
      const untouched = await openPgStore(db.url);
      expect((await untouched.listRuns()).map((r) => r.id).sort()).toEqual(['fanned', 'keyed']);
      await untouched.close();

      const repaired = await cli(['store', 'repair', '--data-dir', dir]);
      expect(repaired.code).toBe(0);
      const copied = await copyEmbeddedToPg(dir, db.url, { replace: true });
      expect(copied.counts).toMatchObject({ runs: 1, evidence: 1, uploads: 0 });
      const target = await openPgStore(db.url);
      expect((await target.readEvidence(ok))?.toString()).toBe('intact');
      expect(await target.readEvidence(bad)).toBeNull();
      await target.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
