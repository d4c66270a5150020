/**
 * conveyor store verify / repair / backup / restore, on real store folders.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import { scanJournal } from '../../../server/store/integrity.ts';
import { backupStore, repairStore, restoreStore, verifyStore } from '../../../server/store/maintenance.ts';
import { repairHooks } from '../../../server/store/repair-journal-file.ts';
import { ConveyorError } from '../../../server/errors.ts';
import type { RecordCheckpoint } from '../../../server/store/types.ts';
import { checkpoint, flowDoc, recordData, removeTempDirs, runRow, stepRow, stepUpdate, tempDir } from './fixtures.ts';

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill();
  removeTempDirs();
});

const UNSAFE = 'core.http-request';

function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const p = path.join(dir, f);
    if (fs.statSync(p).isFile()) out[f] = createHash('sha256').update(fs.readFileSync(p)).digest('hex');
  }
  return out;
}

const journalsOf = (dir: string) => fs.readdirSync(dir).filter((f) => /^journal-\d+\.log$/.test(f)).sort().map((f) => path.join(dir, f));

/**
 * A data folder whose store holds: flow f, run r (4 records, 3 steps each: entries 1–14), then
 * entry 15 (record 3, safe step 4), 16 (record 0: unsafe step 4 by the token standing there),
 * 17 (record 1: in-flight mark of an unsafe step), 18 (record 2: an unsafe step by another token),
 * 19 (run r2 created), 20 (r2 record 0: unsafe step). Killed (a crash), so everything is in journal-1.
 */
async function populated(): Promise<{ dataDir: string; storeDir: string; journal: string; offsets: number[] }> {
  const dataDir = tempDir('conveyor-data-');
  const storeDir = path.join(dataDir, 'store');
  const store = await openSqlJsStore(storeDir);
  await store.putFlow(flowDoc('f'));
  await store.createRun(runRow('r', 'f', '2024-01-01T00:00:00.000Z', 4), [0, 1, 2, 3].map(recordData));
  for (let seq = 1; seq <= 3; seq++) for (const i of [0, 1, 2, 3]) await store.commitStep(stepRow('r', i, seq), stepUpdate('r', i, seq));
  await store.commitStep(stepRow('r', 3, 4), stepUpdate('r', 3, 4)); // 15
  await store.commitStep({ ...stepRow('r', 0, 4), tokenId: 1, nodeId: 'node0', nodeType: UNSAFE }, stepUpdate('r', 0, 4)); // 16
  const marked: RecordCheckpoint = { ...checkpoint(1, 3), inFlight: { tokenId: 1, nodeId: 'node0', attempt: 1, startedAt: '2024-01-01T00:00:00.000Z' } };
  await store.updateRecord({ runId: 'r', index: 1, status: 'running', checkpoint: marked }); // 17
  await store.commitStep({ ...stepRow('r', 2, 4), tokenId: 9, nodeId: 'node0', nodeType: UNSAFE }, stepUpdate('r', 2, 4)); // 18
  await store.createRun(runRow('r2', 'f', '2024-01-02T00:00:00.000Z', 2), [0, 1].map(recordData)); // 19
  await store.commitStep({ ...stepRow('r2', 0, 1), nodeType: UNSAFE }, stepUpdate('r2', 0, 1)); // 20
  await store.kill();
  const [journal] = journalsOf(storeDir);
  const offsets = scanJournal({ path: journal, startSeq: 1 }, fs.readFileSync(journal), true).frames.map((f) => f.offset);
  expect(offsets).toHaveLength(20);
  return { dataDir, storeDir, journal, offsets };
}

/** A repair killed at `point` (the hook throws there, as a crash would stop it). */
async function repairKilledAt(point: 'afterCopyAside' | 'afterCut', dataDir: string): Promise<void> {
  repairHooks[point] = () => {
    throw new Error('killed');
  };
  try {
    await expect(repairStore(dataDir, { now: new Date('2024-05-01T10:00:00.000Z') })).rejects.toThrow('killed');
  } finally {
    repairHooks[point] = undefined;
  }
}

function flip(file: string, offset: number): void {
  const buf = fs.readFileSync(file);
  buf[offset] ^= 0x20;
  fs.writeFileSync(file, buf);
}

describe('conveyor store verify', () => {
  it('reports a healthy folder, and damage with its offset, changing nothing', async () => {
    const { dataDir, storeDir, journal, offsets } = await populated();
    const ok = await verifyStore(dataDir);
    expect(ok.healthy).toBe(true);
    expect(ok.lines.join('\n')).toContain('snapshot conveyor.db: none');
    expect(ok.lines.join('\n')).toContain('journal journal-0000000000000001.log: entries 1–20');
    expect(ok.lines.at(-1)).toBe('Healthy: entries up to 20.');

    flip(journal, offsets[14] + 20);
    const before = fingerprint(storeDir);
    const bad = await verifyStore(dataDir);
    expect(bad.healthy).toBe(false);
    const text = bad.lines.join('\n');
    expect(text).toContain(`DAMAGED at byte ${offsets[14]}: a frame that fails its checksum`);
    expect(text).toMatch(/After it: 6 committed entries \(entries 15–20\): run r \(records 0, 1, 2; 2 steps\), run r2 \(the whole run; 1 step\), 1 unreadable\./);
    expect(fingerprint(storeDir)).toEqual(before);
  });
});

describe('conveyor store repair: the journal after the snapshot deleted', () => {
  it('verify names it; repair goes on from the snapshot in a new empty journal, saying from which entry on writes are lost', async () => {
    const dataDir = tempDir('conveyor-data-');
    const storeDir = path.join(dataDir, 'store');
    const first = await openSqlJsStore(storeDir);
    await first.putFlow(flowDoc('f'));
    await first.close();
    const second = await openSqlJsStore(storeDir);
    await second.putFlow(flowDoc('g')); // entry 2: only in the journal
    await second.kill();
    const [journal] = journalsOf(storeDir);
    fs.rmSync(journal);

    const before = fingerprint(storeDir);
    const bad = await verifyStore(dataDir);
    expect(bad.healthy).toBe(false);
    expect(bad.lines.join('\n')).toContain('no journal file continues the snapshot conveyor.db (entries up to 1)');
    expect(fingerprint(storeDir)).toEqual(before);

    const r = await repairStore(dataDir, { now: new Date('2024-05-01T10:00:00.000Z') });
    expect(r.changed).toBe(true);
    expect(r.lines.join('\n')).toMatch(/No journal file continues the snapshot conveyor\.db \(entries up to 1\).*What was written after the snapshot is lost/);
    expect((await verifyStore(dataDir)).healthy).toBe(true);
    const store = await openSqlJsStore(storeDir);
    expect((await store.listFlows()).map((f) => f.id)).toEqual(['f']);
    await store.close();
  });
});

describe('conveyor store repair', () => {
  it('keeps what is intact, moves the damaged file aside, reports exactly what was lost and marks unsafe steps in doubt', async () => {
    const { dataDir, storeDir, journal, offsets } = await populated();
    const original = fs.readFileSync(journal);
    flip(journal, offsets[14] + 20);
    const damaged = fs.readFileSync(journal);
    const now = new Date('2024-05-01T10:00:00.000Z');
    const r = await repairStore(dataDir, { now });
    expect(r.changed).toBe(true);

    // Damaged file moved aside, byte for byte; the intact part (entries 1–14) is kept (checked below).
    expect(r.asideDir).toBe(path.join(storeDir, 'damaged-2024-05-01T10-00-00-000Z'));
    expect(r.moved).toEqual(['journal-0000000000000001.log']);
    expect(fs.readFileSync(path.join(r.asideDir!, 'journal-0000000000000001.log'))).toEqual(damaged);
    expect(original.subarray(0, offsets[14])).toEqual(damaged.subarray(0, offsets[14]));

    // Exactly what was lost: the damaged entry 15 (unreadable) and entries 16..20.
    expect(r.loss!.entries).toBe(6);
    expect(r.loss!.unreadable).toBe(1);
    expect(r.loss!.runs.map((x) => [x.runId, x.created, x.records])).toEqual([
      ['r', false, [0, 1, 2]],
      ['r2', true, [0, 1]],
    ]);
    const text = r.lines.join('\n');
    expect(text).toContain(`journal-0000000000000001.log is damaged at byte ${offsets[14]}: a frame that fails its checksum. Bytes ${offsets[14]}–${offsets[15] - 1} (from entry 15 on) cannot be read and are lost.`);
    expect(text).toContain('Lost: 6 committed entries (entries 15–20)');
    expect(text).toContain(`record 0, step 4: node0 (${UNSAFE}), success`);
    expect(text).toContain(`record 2, step 4: node0 (${UNSAFE}), success`);
    expect(text).toContain('run r2: lost entirely (it was created after the damage), 2 records.');
    expect(fs.readFileSync(path.join(r.asideDir!, 'repair-report.txt'), 'utf8')).toBe(r.lines.join('\n') + '\n');

    // In doubt: records 0 and 1 (their token stands at the unsafe step) marked in flight; record 2 to review.
    expect(r.inDoubt).toEqual([
      { runId: 'r', index: 0, nodeId: 'node0', how: 'in-flight' },
      { runId: 'r', index: 2, nodeId: 'node0', how: 'review' },
      { runId: 'r', index: 1, nodeId: 'node0', how: 'in-flight' },
    ]);
    const store = await openSqlJsStore(storeDir);
    expect(store.stats().lastSeq).toBe(14 + 3); // the 14 intact entries, then one write per in-doubt mark
    const rec0 = await store.getRecord('r', 0);
    expect(rec0?.status).toBe('running');
    expect(rec0?.checkpoint?.inFlight).toMatchObject({ tokenId: 1, nodeId: 'node0' });
    expect((await store.getRecord('r', 1))?.checkpoint?.inFlight).toMatchObject({ tokenId: 1, nodeId: 'node0' });
    const rec2 = await store.getRecord('r', 2);
    expect(rec2?.status).toBe('needs_review');
    expect(rec2?.error?.code).toBe('E_IN_DOUBT');
    expect((await store.listRecordEvents('r', 2)).at(-1)).toMatchObject({ action: 'in_doubt', actor: 'operator' });
    // Record 3 lost only a safe step: it runs it again from its checkpoint.
    expect(await store.getRecord('r', 3)).toMatchObject({ status: 'running', checkpoint: checkpoint(3, 3) });
    expect(await store.getRun('r2')).toBeNull();
    await store.close();
    expect((await verifyStore(dataDir)).healthy).toBe(true);
    // Nothing more to do the second time.
    expect((await repairStore(dataDir)).changed).toBe(false);
  });

  it('a repair cut short by a crash (the damaged file set aside, its intact start not yet back): the next repair keeps the intact entries', async () => {
    const { dataDir, storeDir, journal, offsets } = await populated();
    flip(journal, offsets[14] + 20);
    await repairKilledAt('afterCopyAside', dataDir);
    // The store folder still holds the journal: opening it is refused as before, never empty.
    await expect(openSqlJsStore(storeDir)).rejects.toMatchObject({ code: 'E_STORE_DAMAGED' });
    const r = await repairStore(dataDir, { now: new Date('2024-05-01T10:05:00.000Z') });
    expect(r.loss!.entries).toBe(6);
    const store = await openSqlJsStore(storeDir);
    expect(await store.getRecord('r', 3)).toMatchObject({ status: 'running', checkpoint: checkpoint(3, 3) });
    expect((await store.listSteps('r', 3)).map((x) => x.seq)).toEqual([1, 2, 3]);
    await store.close();
    expect((await verifyStore(dataDir)).healthy).toBe(true);
  });

  it('a repair cut short by a crash after the journal was cut, before the in-doubt marks: refused until repaired again, which marks them', async () => {
    const { dataDir, storeDir, journal, offsets } = await populated();
    flip(journal, offsets[14] + 20);
    await repairKilledAt('afterCut', dataDir);
    // Opening now would resume record 0 at its unsafe step as if it never ran: refused, and verify says why.
    await expect(openSqlJsStore(storeDir)).rejects.toMatchObject({ code: 'E_STORE_DAMAGED', message: expect.stringContaining('store repair') });
    const v = await verifyStore(dataDir);
    expect(v.healthy).toBe(false);
    expect(v.lines.join('\n')).toContain('was cut short');
    // A backup now would open healthy without the marks: refused too.
    await expect(backupStore(dataDir, tempDir('conveyor-backup-'))).rejects.toMatchObject({ code: 'E_STORE_DAMAGED' });
    const r = await repairStore(dataDir, { now: new Date('2024-05-01T10:05:00.000Z') });
    expect(r.loss!.entries).toBe(6);
    expect(r.inDoubt.map((d) => [d.index, d.how]).sort()).toEqual([[0, 'in-flight'], [1, 'in-flight'], [2, 'review']]);
    const store = await openSqlJsStore(storeDir);
    expect((await store.getRecord('r', 0))?.checkpoint?.inFlight).toMatchObject({ tokenId: 1, nodeId: 'node0' });
    await store.close();
    expect((await verifyStore(dataDir)).healthy).toBe(true);
  });

  it('a damaged snapshot: set aside, its runs named', async () => {
    const dataDir = tempDir('conveyor-data-');
    const storeDir = path.join(dataDir, 'store');
    const store = await openSqlJsStore(storeDir);
    await store.putFlow(flowDoc('f'));
    await store.createRun(runRow('r', 'f', '2024-01-01T00:00:00.000Z', 2), [0, 1].map(recordData));
    await store.close();
    const snap = path.join(storeDir, 'conveyor.db');
    flip(snap, fs.statSync(snap).size - 10);
    const r = await repairStore(dataDir, { now: new Date('2024-05-01T10:00:00.000Z') });
    expect(r.moved).toContain('conveyor.db');
    expect(r.snapshotRuns).toEqual(['r']);
    expect(r.lines.join('\n')).toMatch(/The snapshot conveyor\.db was damaged .*everything it held is lost \(runs r\)/);
    expect(fs.existsSync(path.join(r.asideDir!, 'conveyor.db'))).toBe(true);
    const reopened = await openSqlJsStore(storeDir);
    expect(await reopened.listRuns()).toEqual([]);
    await reopened.close();
  });

  it('is refused while the studio runs on the folder', async () => {
    const { dataDir, journal, offsets } = await populated();
    flip(journal, offsets[14] + 20);
    const other = spawn('sleep', ['60']);
    children.push(other);
    fs.writeFileSync(path.join(dataDir, 'conveyor.lock'), String(other.pid));
    const before = fingerprint(dataDir);
    await expect(repairStore(dataDir)).rejects.toMatchObject({ code: 'E_DATA_DIR_BUSY' });
    expect(fingerprint(dataDir)).toEqual(before);
    other.kill();
  });
});

describe('conveyor store backup and restore', () => {
  it('a backup taken while a writer writes (and rotates) restores to a consistent prefix of acknowledged writes', async () => {
    const dataDir = tempDir('conveyor-data-');
    const storeDir = path.join(dataDir, 'store');
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'vault.json'), '{"credentials":[]}');
    const backups: Array<{ dir: string; ackedBefore: number; taken: Promise<unknown> }> = [];
    let acked = 0;
    const backup = () => {
      const dir = path.join(tempDir('conveyor-backup-'), 'b');
      backups.push({ dir, ackedBefore: acked, taken: backupStore(dataDir, dir) });
    };
    // Backups also start right as snapshots start: the journal has just switched, the old files go soon.
    const store = await openSqlJsStore(storeDir, { snapshotThresholdBytes: 2048, onSnapshot: (e) => e.phase === 'start' && backups.length < 12 && backup() });
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        await store.putFlow({ ...flowDoc(`f${String(i).padStart(6, '0')}`), description: 'x'.repeat(1500) });
        acked = i + 1;
      }
    })();
    while (acked < 20) await new Promise((r) => setTimeout(r, 2));
    for (let k = 0; k < 6; k++) {
      backup();
      await backups.at(-1)!.taken;
    }
    while (backups.length < 8) await new Promise((r) => setTimeout(r, 5));
    stop = true;
    await writer;
    await Promise.all(backups.map((b) => b.taken));
    const total = acked;
    await store.close();
    expect(store.stats().snapshots).toBeGreaterThanOrEqual(3); // rotations (2+ backups started with them) and the close

    for (const b of backups) {
      const target = tempDir('conveyor-restored-');
      const r = await restoreStore(target, b.dir);
      expect(fs.readFileSync(path.join(target, 'vault.json'), 'utf8')).toBe('{"credentials":[]}');
      const restored = await openSqlJsStore(path.join(target, 'store'));
      const ids = (await restored.listFlows()).map((f) => f.id).sort();
      await restored.close();
      // A prefix f0..f(n-1) of the writes, holding every write acknowledged before the backup began.
      expect(ids.length).toBeGreaterThanOrEqual(b.ackedBefore);
      expect(ids.length).toBeLessThanOrEqual(total);
      expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => `f${String(i).padStart(6, '0')}`));
      expect(r.lastSeq).toBe(ids.length);
    }
  });

  it('a rotation between reading the snapshot and the journal files: the inconsistent copy is taken again', async () => {
    const dataDir = tempDir('conveyor-data-');
    const storeDir = path.join(dataDir, 'store');
    const starts: number[] = [];
    const dones: number[] = [];
    const store = await openSqlJsStore(storeDir, { snapshotThresholdBytes: 1024, onSnapshot: (e) => (e.phase === 'start' ? starts : dones).push(e.seq) });
    let n = 0;
    const write = () => store.putFlow({ ...flowDoc(`f${n++}`), description: 'x'.repeat(600) });
    for (let i = 0; i < 3; i++) await write();
    const target = path.join(tempDir('conveyor-backup-'), 'b');
    const r = await backupStore(dataDir, target, {
      afterSnapshotRead: async (attempt) => {
        if (attempt > 1) return;
        // A whole rotation starting now: new snapshot durable, the journal files it covers removed.
        const mark = starts.length;
        while (starts.length === mark) await write();
        while (!dones.includes(starts[mark])) await new Promise((resolve) => setTimeout(resolve, 2));
      },
    });
    expect(r.attempts).toBe(2);
    await store.close();
    const restoredDir = tempDir('conveyor-restored-');
    await restoreStore(restoredDir, target);
    const restored = await openSqlJsStore(path.join(restoredDir, 'store'));
    expect((await restored.listFlows()).length).toBe(n);
    await restored.close();
  });

  it('restore verifies the backup, refuses while the studio runs, and moves the current data aside', async () => {
    const { dataDir } = await populated();
    const backup = path.join(tempDir('conveyor-backup-'), 'b');
    await backupStore(dataDir, backup);
    await expect(backupStore(dataDir, backup)).rejects.toMatchObject({ code: 'E_BACKUP_TARGET' });

    // Current data changes after the backup.
    const store = await openSqlJsStore(path.join(dataDir, 'store'));
    await store.putFlow(flowDoc('after-backup'));
    await store.close();

    // Refused while another process holds the folder.
    const other = spawn('sleep', ['60']);
    children.push(other);
    fs.writeFileSync(path.join(dataDir, 'conveyor.lock'), String(other.pid));
    await expect(restoreStore(dataDir, backup)).rejects.toMatchObject({ code: 'E_DATA_DIR_BUSY' });
    other.kill();
    await new Promise((r) => other.once('exit', r));

    // A damaged backup is refused before anything moves.
    const broken = path.join(tempDir('conveyor-backup-'), 'b');
    fs.cpSync(backup, broken, { recursive: true });
    const [bj] = journalsOf(path.join(broken, 'store'));
    flip(bj, 40);
    const before = fingerprint(dataDir);
    const err = await restoreStore(dataDir, broken).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConveyorError);
    expect((err as ConveyorError).code).toBe('E_BACKUP_INVALID');
    expect((err as ConveyorError).message).toMatch(/journal-0000000000000001\.log at byte 0/);
    expect(fingerprint(dataDir)).toEqual(before);

    const r = await restoreStore(dataDir, backup, { now: new Date('2024-05-01T10:00:00.000Z') });
    expect(r.asideDir).toBe(path.join(dataDir, 'replaced-2024-05-01T10-00-00-000Z'));
    const restored = await openSqlJsStore(path.join(dataDir, 'store'));
    expect((await restored.listFlows()).map((f) => f.id)).toEqual(['f']);
    expect(await restored.getRun('r2')).not.toBeNull();
    await restored.close();
    // The replaced data is kept, and still opens with the write made after the backup.
    const replaced = await openSqlJsStore(path.join(r.asideDir!, 'store'));
    expect((await replaced.listFlows()).map((f) => f.id).sort()).toEqual(['after-backup', 'f']);
    await replaced.close();
  });
});
