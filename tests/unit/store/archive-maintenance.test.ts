/** Run archives in conveyor store verify / repair / backup / restore. */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import { backupStore, repairStore, restoreStore, verifyStore } from '../../../server/store/maintenance.ts';
import { removeTempDirs, tempDir } from './fixtures.ts';
import { everything, finishedRun } from './archive-fixtures.ts';

afterEach(removeTempDirs);

const N = 12;
const open = (storeDir: string) => openSqlJsStore(storeDir, { archiveAfterMs: null, onWarning: () => {} });

/** A data folder with runs a (archived) and b (archived), c (in the database). */
async function dataFolder(): Promise<{ dataDir: string; storeDir: string; folders: Record<string, string>; reads: Record<string, unknown> }> {
  const dataDir = tempDir();
  const storeDir = path.join(dataDir, 'store');
  const store = await open(storeDir);
  const folders: Record<string, string> = {};
  const reads: Record<string, unknown> = {};
  for (const id of ['run-a', 'run-b', 'run-c']) await finishedRun(store, id, N);
  for (const id of ['run-a', 'run-b', 'run-c']) reads[id] = await everything(store, id, N);
  for (const id of ['run-a', 'run-b']) folders[id] = (await store.archiveRun(id)).dir;
  await store.close();
  return { dataDir, storeDir, folders, reads };
}

function flipByte(file: string): void {
  const bytes = fs.readFileSync(file);
  bytes[Math.floor(bytes.length / 3)] ^= 0x01;
  fs.writeFileSync(file, bytes);
}

describe('store verify and repair with run archives', () => {
  it('verify checks every byte of every archive and names the damaged one; repair moves it aside, reports the lost run with its records and steps, and the store opens without it', async () => {
    const { dataDir, storeDir, folders, reads } = await dataFolder();
    const ok = await verifyStore(dataDir);
    expect(ok.healthy).toBe(true);
    expect(ok.lines.join('\n')).toContain('run archives (runs/): 2, 2 ok');

    flipByte(path.join(storeDir, 'runs', folders['run-a'], 'records-0000.seg'));
    const before = fs.readdirSync(path.join(storeDir, 'runs')).sort();
    const bad = await verifyStore(dataDir);
    expect(bad.healthy).toBe(false);
    const text = bad.lines.join('\n');
    expect(text).toContain(`archive ${folders['run-a']}: DAMAGED: records-0000.seg at byte`);
    expect(text).toContain(`run run-a, ${N} records, ${N * 3} steps`);
    // Verify changes nothing.
    expect(fs.readdirSync(path.join(storeDir, 'runs')).sort()).toEqual(before);

    const r = await repairStore(dataDir);
    expect(r.changed).toBe(true);
    expect(r.lostRuns).toEqual([{ runId: 'run-a', records: N, steps: N * 3, reason: expect.stringContaining('records-0000.seg at byte') }]);
    expect(r.lines.join('\n')).toContain(`The archive of run run-a was damaged (records-0000.seg at byte`);
    expect(r.lines.join('\n')).toContain(`the run is lost, ${N} records and ${N * 3} steps`);
    expect(fs.existsSync(path.join(r.asideDir!, 'runs', folders['run-a'], 'records-0000.seg'))).toBe(true);
    expect((await verifyStore(dataDir)).healthy).toBe(true);

    const store = await open(storeDir);
    expect(await store.getRun('run-a')).toBeNull();
    expect((await store.listAudit({ runId: 'run-a' })).items[0]).toMatchObject({ action: 'run.delete', actor: 'cli', records: N });
    expect(await everything(store, 'run-b', N)).toEqual(reads['run-b']);
    expect(await everything(store, 'run-c', N)).toEqual(reads['run-c']);
    await store.close();
  });

  it('an archive folder deleted by hand: the studio refuses to start, repair reports the run as lost', async () => {
    const { dataDir, storeDir, folders } = await dataFolder();
    fs.rmSync(path.join(storeDir, 'runs', folders['run-b']), { recursive: true });
    await expect(open(storeDir)).rejects.toMatchObject({ code: 'E_STORE_DAMAGED' });
    const r = await repairStore(dataDir);
    expect(r.lostRuns.map((l) => l.runId)).toEqual(['run-b']);
    const store = await open(storeDir);
    expect(await store.getRun('run-b')).toBeNull();
    await store.close();
  });
});

describe('backups with run archives', () => {
  it('a backup holds the archives; restored, every archived run reads as before', async () => {
    const { dataDir, reads } = await dataFolder();
    const backup = path.join(tempDir(), 'b1');
    const b = await backupStore(dataDir, backup);
    expect(b.files.filter((f) => f.startsWith('runs/'))).toHaveLength(2);

    const target = tempDir();
    await restoreStore(target, backup);
    const store = await open(path.join(target, 'store'));
    for (const id of ['run-a', 'run-b', 'run-c']) expect(await everything(store, id, N)).toEqual(reads[id]);
    expect(store.isArchived('run-a')).toBe(true);
    await store.close();
  });

  it('a run with step segments archived between the journal copy and the segments copy: the backup is taken again, and the restored run reads whole', async () => {
    const { dataDir, storeDir } = await dataFolder();
    const store = await openSqlJsStore(storeDir, { archiveAfterMs: null, spillBatch: 5, onWarning: () => {} });
    await finishedRun(store, 'run-e', N);
    await store.appendLogs([]);
    await new Promise((r) => setTimeout(r, 50));
    expect(fs.existsSync(path.join(storeDir, 'runs', 'run-e.steps'))).toBe(true);
    const readsE = await everything(store, 'run-e', N);
    const backup = path.join(tempDir(), 'b3');
    const b = await backupStore(dataDir, backup, {
      afterJournalRead: async (attempt) => {
        if (attempt === 1) await store.archiveRun('run-e'); // takes the step segments away
      },
    });
    expect(b.attempts).toBe(2);
    await store.close();
    const target = tempDir();
    await restoreStore(target, backup);
    expect((await verifyStore(target)).healthy).toBe(true);
    const copy = await open(path.join(target, 'store'));
    expect(await everything(copy, 'run-e', N)).toEqual(readsE);
    await copy.close();
  });

  it('taken while a run is being archived: the copy opens with every run whole', async () => {
    const { dataDir, storeDir, reads } = await dataFolder();
    const store = await open(storeDir);
    await finishedRun(store, 'run-d', N);
    const readsD = await everything(store, 'run-d', N);
    const archiving = store.archiveRun('run-d');
    const backup = path.join(tempDir(), 'b2');
    await backupStore(dataDir, backup);
    await archiving;
    await store.close();
    const target = tempDir();
    await restoreStore(target, backup);
    const copy = await open(path.join(target, 'store'));
    expect(await everything(copy, 'run-d', N)).toEqual(readsD);
    // (Its business keys now have a later attempt in run-d.)
    expect({ ...(await everything(copy, 'run-a', N)), keys: null }).toEqual({ ...(reads['run-a'] as object), keys: null });
    await copy.close();
  });
});
