import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import { instant, recordData, removeTempDirs, runRow, tempDir } from './fixtures.ts';
import { AUDIT, GONE, fillRun, holds } from './contract/state-contract.ts';

afterEach(removeTempDirs);

// What a deletion does through the store's reads, its refusals and a step racing it are the store
// contract's (contract/state-contract.ts, run against this store too). Here: the journal — a deletion
// replayed after a crash, torn while written, and a new run reusing the deleted run's key.
describe('deleting a run in the store', () => {
  it('a deletion is replayed from the journal alone (a crash: no snapshot) and kept after a clean close', async () => {
    const dir = tempDir();
    const store = await openSqlJsStore(dir);
    await fillRun(store, 'a', 3);
    await fillRun(store, 'b', 2);
    const before = await holds(store, 'b');
    await store.deleteRun('a', { audit: { ...AUDIT, runId: 'a', flowId: 'f' } });

    // Replayed from the journal alone (a crash: no snapshot), and reopened after a clean close.
    const copy = tempDir('conveyor-store-copy-');
    for (const f of fs.readdirSync(dir)) fs.copyFileSync(path.join(dir, f), path.join(copy, f));
    const replayed = await openSqlJsStore(copy);
    expect(await holds(replayed, 'a')).toEqual(GONE);
    expect(await holds(replayed, 'b')).toEqual(before);
    expect((await replayed.listAudit()).items[0]).toMatchObject({ runId: 'a', action: 'run.delete' });
    await replayed.kill();

    await store.close();
    const reopened = await openSqlJsStore(dir);
    expect(await holds(reopened, 'a')).toEqual(GONE);
    expect(await holds(reopened, 'b')).toEqual(before);
    expect((await reopened.listAudit()).total).toBe(1);
    await reopened.close();
  });

  it('a crash in the middle of writing the deletion leaves the run whole (the torn entry is dropped on open)', async () => {
    const dir = tempDir();
    const store = await openSqlJsStore(dir);
    await fillRun(store, 'a', 2);
    const before = await holds(store, 'a');
    const journal = fs.readdirSync(dir).find((f) => f.startsWith('journal-'))!;
    const sizeBefore = fs.statSync(path.join(dir, journal)).size;
    await store.deleteRun('a', { audit: AUDIT });
    const sizeAfter = fs.statSync(path.join(dir, journal)).size;
    expect(sizeAfter).toBeGreaterThan(sizeBefore);
    // As a crash during its write leaves it: the deletion's frame cut short, at several points.
    for (const keep of [sizeBefore + 3, sizeBefore + 20, sizeAfter - 1]) {
      const copy = tempDir('conveyor-store-copy-');
      for (const f of fs.readdirSync(dir)) fs.copyFileSync(path.join(dir, f), path.join(copy, f));
      fs.truncateSync(path.join(copy, journal), keep);
      const warnings: string[] = [];
      const reopened = await openSqlJsStore(copy, { onWarning: (m) => warnings.push(m) });
      expect(await holds(reopened, 'a')).toEqual(before);
      expect((await reopened.listAudit()).total).toBe(0);
      expect(warnings.join(' ')).toMatch(/torn|dropped/i);
      await reopened.close();
    }
    await store.close();
  });

  it('refused deletions replay as refused, a forced one as done', async () => {
    const dir = tempDir();
    const store = await openSqlJsStore(dir);
    await fillRun(store, 'live', 2, 'running');
    await expect(store.deleteRun('live', { audit: AUDIT })).rejects.toMatchObject({ cause: { code: 'E_RUN_ACTIVE' } });
    await store.updateRun('live', { status: 'paused' });
    await store.updateRecord({ runId: 'live', index: 1, status: 'needs_review', checkpoint: null });
    await expect(store.deleteRun('live', { audit: AUDIT })).rejects.toMatchObject({ cause: { code: 'E_RUN_IN_REVIEW' } });
    await store.deleteRun('live', { force: true, audit: AUDIT });
    expect((await store.listReview({})).total).toBe(0);
    await store.kill();
    // The refused deletions replay as refused, the forced one as done: the same state.
    const reopened = await openSqlJsStore(dir);
    expect(await holds(reopened, 'live')).toEqual(GONE);
    expect((await reopened.listAudit()).total).toBe(1);
    await reopened.close();
  });

  it('a new run that reuses the deleted run key starts clean (no steps, counts or cached key of the old run)', async () => {
    const dir = tempDir();
    const store = await openSqlJsStore(dir);
    await fillRun(store, 'old', 2);
    await store.deleteRun('old', { audit: AUDIT });
    await store.createRun(runRow('new', 'f', instant(5, 0), 1), [recordData(0)]);
    expect(await holds(store, 'new')).toEqual({ run: 'new', records: 1, steps: 0, counts: 0, logs: 0, events: 0, rejects: 0, state: 0 });
    expect(await holds(store, 'old')).toEqual(GONE);
    await store.kill();
    const reopened = await openSqlJsStore(dir);
    expect(await holds(reopened, 'new')).toEqual({ run: 'new', records: 1, steps: 0, counts: 0, logs: 0, events: 0, rejects: 0, state: 0 });
    await reopened.close();
  });
});

describe('a lost deletion', () => {
  it('is named in what damage would lose, as the run status "deleted", not as an unreadable entry', async () => {
    const { describeEntries } = await import('../../../server/store/integrity.ts');
    const { deleteRunOp, auditOp } = await import('../../../server/store/retention.ts');
    const loss = describeEntries([
      { seq: 7, payload: JSON.stringify(deleteRunOp('run_a', false, AUDIT)) },
      { seq: 8, payload: JSON.stringify(auditOp({ ...AUDIT, action: 'uploads.cleanup' })) },
    ]);
    expect(loss.unreadable).toBe(0);
    expect(loss.runs).toEqual([expect.objectContaining({ runId: 'run_a', statuses: ['deleted'] })]);
  });
});
