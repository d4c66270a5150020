import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlJsStore, type SqlJsStore } from '../../../server/store/sqljs-store.ts';
import { SNAPSHOT_FILE } from '../../../server/store/snapshot.ts';
import { ConveyorError } from '../../../server/errors.ts';
import { instant, removeTempDirs, stepRow, tempDir } from './fixtures.ts';
import { everything, finishedRun, flipDigit } from './archive-fixtures.ts';

afterEach(removeTempDirs);

const N = 24;
const open = (dir: string, extra: Parameters<typeof openSqlJsStore>[1] = {}) => openSqlJsStore(dir, { archiveAfterMs: null, onWarning: () => {}, ...extra });
const archiveDirs = (dir: string) => (fs.existsSync(path.join(dir, 'runs')) ? fs.readdirSync(path.join(dir, 'runs')).sort() : []);

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    return err instanceof ConveyorError ? err.code : `uncoded: ${(err as Error).message}`;
  }
}

describe('run archives', () => {
  it('serve every read of a finished run exactly as the database did, before and after a restart, while the snapshot no longer holds its rows', async () => {
    const dir = tempDir();
    // Large enough that its rows are a good share of the snapshot (which is compacted once they go).
    const BIG = 80;
    let store = await open(dir);
    await finishedRun(store, 'run-a', BIG);
    await finishedRun(store, 'run-b', 3);
    const before = await everything(store, 'run-a', BIG);
    await store.close();
    const fullSnapshot = fs.statSync(path.join(dir, SNAPSHOT_FILE)).size;

    store = await open(dir);
    const ref = await store.archiveRun('run-a');
    expect(ref.records).toBe(BIG);
    expect(store.isArchived('run-a')).toBe(true);
    expect(await everything(store, 'run-a', BIG)).toEqual(before);
    await store.close();
    expect(fs.statSync(path.join(dir, SNAPSHOT_FILE)).size).toBeLessThan(fullSnapshot);
    expect(archiveDirs(dir)).toEqual([ref.dir]);

    store = await open(dir);
    expect(store.isArchived('run-a')).toBe(true);
    expect(await everything(store, 'run-a', BIG)).toEqual(before);
    expect((await store.runStoreSize('run-a'))?.records).toBe(BIG);
    await store.close();
  });

  it('a write to an archived run (a retry from review) puts it back first: nothing lost, the archive folder removed after the next snapshot', async () => {
    const dir = tempDir();
    let store = await open(dir);
    await finishedRun(store, 'run-a', N);
    const before = await everything(store, 'run-a', N);
    const { dir: folder } = await store.archiveRun('run-a');
    // The review action: the record runs again (a step) and ends well, with its audit event.
    await store.updateRun('run-a', { status: 'running', endedAt: null });
    await store.commitStep({ ...stepRow('run-a', 3, 4), status: 'success', error: null }, { runId: 'run-a', index: 3, status: 'running', checkpoint: null });
    await store.updateRecord({ runId: 'run-a', index: 3, status: 'success', checkpoint: null, error: null, event: { at: instant(3, 30), from: 'needs_review', to: 'success', actor: 'operator', action: 'retry', note: null, data: null } });
    await store.updateRun('run-a', { status: 'completed', endedAt: instant(N, 1) });
    expect(store.isArchived('run-a')).toBe(false);
    const after = await everything(store, 'run-a', N);
    expect(after.records[3].record?.status).toBe('success');
    expect(after.records[3].steps).toHaveLength(4);
    expect(after.records[5]).toEqual(before.records[5]);
    expect(after.logsAll).toEqual(before.logsAll);
    expect(after.runEvents.items.slice(0, before.runEvents.total)).toEqual(before.runEvents.items);
    expect(after.counts.needs_review).toBe(before.counts.needs_review - 1);
    // Until a snapshot covers the restore, a replay would read the folder again: it stays.
    expect(archiveDirs(dir)).toEqual([folder]);
    await store.kill();

    store = await open(dir);
    expect(await everything(store, 'run-a', N)).toEqual(after);
    await store.close();
    expect(archiveDirs(dir)).toEqual([]);
    store = await open(dir);
    expect(await everything(store, 'run-a', N)).toEqual(after);
    // Archived again: a new folder; reads unchanged.
    await store.archiveRun('run-a');
    expect(await everything(store, 'run-a', N)).toEqual(after);
    await store.close();
  });

  it('idempotency look-ups and the review queue see archived records (hot rows for the queue, keys for the rest)', async () => {
    const dir = tempDir();
    const store = await open(dir);
    await finishedRun(store, 'run-a', N);
    const keys = await store.keyAttempts('f', ['k0', 'k3', 'k4'], 'x');
    const review = await store.listReview({ flowId: 'f' });
    await store.archiveRun('run-a');
    expect(await store.keyAttempts('f', ['k0', 'k3', 'k4'], 'x')).toEqual(keys);
    expect(keys.get('k0')?.last.status).toBe('success');
    expect(await store.listReview({ flowId: 'f' })).toEqual(review);
    expect(review.total).toBeGreaterThan(0);
    await store.close();
  });

  it('is refused for a run that is not finished, and a run written to while its archive was written keeps its rows', async () => {
    const dir = tempDir();
    const store = await open(dir);
    await finishedRun(store, 'run-a', N);
    await store.updateRun('run-a', { status: 'paused' });
    expect(await codeOf(store.archiveRun('run-a'))).toBe('E_RUN_ACTIVE');
    await store.updateRun('run-a', { status: 'completed' });
    const archiving = store.archiveRun('run-a');
    // Written while the archive is written (the archive reads the run a slice at a time).
    await store.appendLogs([{ runId: 'run-a', recordIndex: null, nodeId: null, level: 'info', message: 'late line', data: null, at: instant(99, 0) }]);
    expect(await codeOf(archiving)).toMatch(/written to while/);
    expect(store.isArchived('run-a')).toBe(false);
    expect((await store.listLogs('run-a', { limit: 1000 })).items.at(-1)?.message).toBe('late line');
    expect(archiveDirs(dir)).toEqual([]);
    await store.close();
  });

  it('a deleted archived run takes its archive folder with it', async () => {
    const dir = tempDir();
    const store = await open(dir);
    await finishedRun(store, 'run-a', N);
    await store.archiveRun('run-a');
    expect(archiveDirs(dir)).toHaveLength(1);
    const out = await store.deleteRun('run-a', { force: true, audit: { at: instant(0, 0), actor: 'operator', action: 'run.delete' } });
    expect(out.records).toBe(N);
    expect(archiveDirs(dir)).toEqual([]);
    expect(await store.getRun('run-a')).toBeNull();
    expect(await store.keyAttempts('f', ['k0'], 'x')).toEqual(new Map());
    await store.close();
    const again = await open(dir);
    expect(await again.getRun('run-a')).toBeNull();
    await again.close();
  });

  it('rolls segments over at the size limit: no file grows past it, reads unchanged', async () => {
    const dir = tempDir();
    const store = await open(dir, { archiveWrite: { maxSegmentBytes: 4096 } });
    await finishedRun(store, 'run-a', N);
    const before = await everything(store, 'run-a', N);
    const { dir: folder } = await store.archiveRun('run-a');
    const files = fs.readdirSync(path.join(dir, 'runs', folder));
    expect(files.filter((f) => f.startsWith('records-')).length).toBeGreaterThan(2);
    // A segment holds several frames only while they fit (a frame larger than the limit goes alone).
    for (const f of files.filter((f) => f.startsWith('records-'))) expect(fs.statSync(path.join(dir, 'runs', folder, f)).size).toBeLessThanOrEqual(4096);
    expect(await everything(store, 'run-a', N)).toEqual(before);
    await store.close();
  });
});

describe('a crash while archiving', () => {
  for (const point of ['files', 'renamed'] as const) {
    it(`after the archive's ${point === 'files' ? 'files are written (not yet renamed)' : 'folder is renamed (op not yet written)'}: the run keeps its rows, the leftover folder goes`, async () => {
      const dir = tempDir();
      let store = await open(dir);
      await finishedRun(store, 'run-a', N);
      const before = await everything(store, 'run-a', N);
      await store.close();
      // What a crash at that point leaves on disk: the folder copied as it is then.
      const crashed = tempDir();
      store = await open(dir, { archiveWrite: { onPoint: (p) => (p === point ? fs.cpSync(dir, crashed, { recursive: true }) : undefined) } });
      await store.archiveRun('run-a');
      await store.close();
      if (point === 'renamed') expect(archiveDirs(crashed)).toHaveLength(1);
      else expect(fs.readdirSync(path.join(crashed, 'runs')).filter((n) => n.startsWith('.tmp-'))).toHaveLength(1);
      store = await open(crashed);
      expect(store.isArchived('run-a')).toBe(false);
      expect(await everything(store, 'run-a', N)).toEqual(before);
      expect(archiveDirs(crashed)).toEqual([]);
      await store.close();
    });
  }

  it('after the archive op is written (no snapshot since): the run opens archived, from the journal', async () => {
    const dir = tempDir();
    let store = await open(dir);
    await finishedRun(store, 'run-a', N);
    const before = await everything(store, 'run-a', N);
    await store.archiveRun('run-a');
    await store.kill();
    store = await open(dir);
    expect(store.isArchived('run-a')).toBe(true);
    expect(await everything(store, 'run-a', N)).toEqual(before);
    await store.close();
  });
});

describe('damage in an archive', () => {
  async function archived(): Promise<{ dir: string; folder: string; before: Awaited<ReturnType<typeof everything>> }> {
    const dir = tempDir();
    const store = await open(dir);
    await finishedRun(store, 'run-a', N);
    const before = await everything(store, 'run-a', N);
    const { dir: folder } = await store.archiveRun('run-a');
    await store.close();
    return { dir, folder, before };
  }

  it('a flipped byte in a record frame: that record answers E_STORE_DAMAGED naming the file and offset, the others are served, a write to the run is refused and changes nothing', async () => {
    const { dir, folder, before } = await archived();
    const seg = path.join(dir, 'runs', folder, 'records-0000.seg');
    flipDigit(seg);
    const store = await open(dir);
    const results = await Promise.all(Array.from({ length: N }, (_, i) => store.getRecord('run-a', i).then(() => 'ok', (e: ConveyorError) => e)));
    const damaged = results.filter((r): r is ConveyorError => r !== 'ok');
    expect(damaged).toHaveLength(1);
    expect(damaged[0].code).toBe('E_STORE_DAMAGED');
    expect(damaged[0].message).toContain(seg);
    expect(damaged[0].message).toMatch(/at byte \d+/);
    expect(damaged[0].hint).toContain('store repair');
    // Told truly: only that part is refused, and repair would take the whole run out of the studio.
    expect(damaged[0].message).toContain('what it holds is not served (the rest of the run is)');
    expect(damaged[0].hint).toContain('removes run run-a from the studio');
    expect(await store.getRecord('run-a', 0)).toEqual(before.records[0].record);
    const journal = () => fs.readdirSync(dir).filter((f) => f.startsWith('journal-')).map((f) => fs.statSync(path.join(dir, f)).size);
    const sizes = journal();
    expect(await codeOf(store.updateRun('run-a', { status: 'running' }))).toBe('E_STORE_DAMAGED');
    expect(journal()).toEqual(sizes);
    expect(store.isArchived('run-a')).toBe(true);
    await store.close();
  });

  it('a missing archive folder refuses the open with E_STORE_DAMAGED (never an empty run)', async () => {
    const { dir, folder } = await archived();
    fs.renameSync(path.join(dir, 'runs', folder), path.join(dir, 'elsewhere'));
    const err = await open(dir).catch((e: ConveyorError) => e);
    expect(err).toBeInstanceOf(ConveyorError);
    expect((err as ConveyorError).code).toBe('E_STORE_DAMAGED');
    expect((err as ConveyorError).message).toContain('run-a');
  });
});

describe('review actions on an archived run', () => {
  it('resolve, skip and retry (server/engine/review-actions.ts) work on an archived run: the queue, the record and its trail answer as on a run in memory', async () => {
    const { applyReviewAction } = await import('../../../server/engine/review-actions.ts');
    const dir = tempDir();
    const store = await open(dir);
    await finishedRun(store, 'run-a', N);
    await store.archiveRun('run-a');
    const queue = await store.listReview({ runId: 'run-a' });
    const [first, second, third] = queue.items;
    await applyReviewAction(store, 'resolve', { runId: 'run-a', index: first.index }, { note: 'done by hand' }, 'trigger');
    expect(store.isArchived('run-a')).toBe(false);
    await applyReviewAction(store, 'skip', { runId: 'run-a', index: second.index }, {}, 'trigger');
    const retried = await applyReviewAction(store, 'retry', { runId: 'run-a', index: third.index }, {}, 'trigger');
    expect(retried?.record.status).toBe('running');
    expect((await store.getRecord('run-a', first.index))?.status).toBe('success');
    expect((await store.getRecord('run-a', second.index))?.status).toBe('skipped');
    expect((await store.listRecordEvents('run-a', first.index)).at(-1)).toMatchObject({ actor: 'operator', action: 'resolve', note: 'done by hand' });
    expect((await store.listReview({ runId: 'run-a' })).total).toBe(queue.total - 3);
    // Every other record and step is back, unchanged.
    expect(await store.listSteps('run-a', 0)).toHaveLength(3);
    expect((await store.countRecords('run-a')).success).toBeGreaterThan(0);
    await store.close();
  });
});
