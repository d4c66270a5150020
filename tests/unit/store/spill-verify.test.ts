/**
 * Runs' step segments (server/store/archive/spill.ts) under `store verify` and `store repair`
 * (archive/spill-check.ts): every byte read, damage named by file, offset and record, never served;
 * repair keeps every intact record's steps and says exactly which were lost. And retention: a run
 * deleted or archived takes its step segments with it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlJsStore, type SqlJsStore } from '../../../server/store/sqljs-store.ts';
import { backupStore, repairStore, restoreStore, verifyStore } from '../../../server/store/maintenance.ts';
import { FRAME_HEAD, frameIn } from '../../../server/store/archive/frames.ts';
import { Retention } from '../../../server/retention/retention.ts';
import { removeTempDirs, tempDir } from './fixtures.ts';
import { everything, finishedRun } from './archive-fixtures.ts';

afterEach(removeTempDirs);

const N = 30;
const open = (storeDir: string) => openSqlJsStore(storeDir, { archiveAfterMs: null, spillBatch: 10, onWarning: () => {} });

/** Frames of a step segment: offset, length and the record whose steps each holds. */
function frames(file: string): Array<{ offset: number; length: number; record: number }> {
  const buf = fs.readFileSync(file);
  const out = [];
  for (let at = 0; at < buf.length; ) {
    const f = frameIn(buf, at);
    if ('reason' in f) throw new Error(`${file} at ${at}: ${f.reason}`);
    const rows = JSON.parse(f.payload.toString('utf8')) as unknown[][];
    out.push({ offset: at, length: f.end - at, record: (rows[0]?.[0] as number | undefined) ?? -1 }); // -1: a frame repair emptied
    at = f.end;
  }
  return out;
}

function flip(file: string, at: number): void {
  const bytes = fs.readFileSync(file);
  bytes[at] ^= 0x10;
  fs.writeFileSync(file, bytes);
}

/** A data folder with run-a finished, its steps in step segments; what every read answered. */
async function spilledFolder(): Promise<{ dataDir: string; storeDir: string; segment: string; reads: Awaited<ReturnType<typeof everything>> }> {
  const dataDir = tempDir();
  const storeDir = path.join(dataDir, 'store');
  const store = await open(storeDir);
  await finishedRun(store, 'run-a', N);
  await settle(store);
  const again = await open(storeDir);
  const reads = await everything(again, 'run-a', N);
  await again.close();
  return { dataDir, storeDir, segment: path.join(storeDir, 'runs', 'run-a.steps', 'steps-0000.seg'), reads };
}

/** Waits for the step batches under way (they start after group commits), then closes. */
async function settle(store: SqlJsStore): Promise<void> {
  await store.appendLogs([]);
  await new Promise((r) => setTimeout(r, 50));
  await store.close();
}

describe('store verify reads every step segment', () => {
  it('a healthy folder: every frame checked and named; a torn write at the end of a segment loses nothing', async () => {
    const { dataDir, segment } = await spilledFolder();
    expect(frames(segment).map((f) => f.record).sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
    const ok = await verifyStore(dataDir);
    expect(ok.healthy).toBe(true);
    expect(ok.lines.join('\n')).toContain(`step segments (runs/*.steps/): 1 run, 1 segment, ${fs.statSync(segment).size} bytes, every byte checked; ${N} records' steps in them`);

    // A crash in the middle of a batch leaves part of a frame no record names yet.
    fs.appendFileSync(segment, Buffer.from([40, 0, 0, 0, 1, 2, 3]));
    const torn = await verifyStore(dataDir);
    expect(torn.healthy).toBe(true);
    expect(torn.lines.join('\n')).toMatch(/step segments of run run-a: steps-0000\.seg bytes \d+–\d+ belong to no record \(the end of a write cut by a crash, never committed\): nothing is lost/);
  });

  it('a store stopped by a crash (its runs created and spilled in the journal, no snapshot yet): verify reads the journal to know every record\'s frame', async () => {
    const dataDir = tempDir();
    const store = await open(path.join(dataDir, 'store'));
    await finishedRun(store, 'run-a', N);
    await store.appendLogs([]);
    await new Promise((r) => setTimeout(r, 50));
    await store.kill();
    expect(fs.readdirSync(path.join(dataDir, 'store'))).not.toContain('conveyor.db');
    const ok = await verifyStore(dataDir);
    expect(ok.healthy).toBe(true);
    expect(ok.lines.join('\n')).toContain(`${N} records' steps in them`);
  });

  // Header length, header CRC, the middle of a frame, the last byte of the last frame.
  const places: Array<[string, (fs: Array<{ offset: number; length: number; record: number }>) => { at: number; record: number }]> = [
    ['the length in a frame header', (f) => ({ at: f[3].offset, record: f[3].record })],
    ['the CRC in a frame header', (f) => ({ at: f[7].offset + 5, record: f[7].record })],
    ['the middle of a frame', (f) => ({ at: f[12].offset + Math.floor(f[12].length / 2), record: f[12].record })],
    ['the last byte of the last frame', (f) => ({ at: f.at(-1)!.offset + f.at(-1)!.length - 1, record: f.at(-1)!.record })],
  ];
  for (const [where, pick] of places) {
    it(`a byte flipped in ${where}: verify names the file, the offset and the record; the record's steps answer E_STORE_DAMAGED, every other read is unchanged`, async () => {
      const { dataDir, storeDir, segment, reads } = await spilledFolder();
      const all = frames(segment);
      const { at, record } = pick(all);
      const frame = all.find((f) => f.record === record)!;
      flip(segment, at);
      const before = fs.readFileSync(segment);

      const bad = await verifyStore(dataDir);
      expect(bad.healthy).toBe(false);
      const text = bad.lines.join('\n');
      expect(text).toContain(`step segments of run run-a: DAMAGED: steps-0000.seg at byte ${frame.offset}: `);
      expect(text).toContain(`record ${record}, 3 steps (up to step 3) cannot be read`);
      expect(text).toContain(`Damaged: the step segments of run run-a (record ${record}: 3 steps)`);
      expect(fs.readFileSync(segment).equals(before)).toBe(true); // verify changes nothing

      const store = await open(storeDir);
      await expect(store.listSteps('run-a', record)).rejects.toMatchObject({ code: 'E_STORE_DAMAGED', message: expect.stringContaining(`${segment} at byte ${frame.offset}`) });
      const other = record === 0 ? 1 : 0;
      expect(await store.listSteps('run-a', other)).toEqual(reads.records[other].steps);
      expect(await store.getRecord('run-a', record)).toEqual(reads.records[record].record);
      await store.kill();
    });
  }

  it('repair copies the damaged segment aside, keeps every intact record\'s steps in place and reports exactly the steps lost', async () => {
    const { dataDir, storeDir, segment, reads } = await spilledFolder();
    const all = frames(segment);
    flip(segment, all[5].offset + 20);
    flip(segment, all[9].offset + 30);
    const lostRecords = [all[5].record, all[9].record].sort((a, b) => a - b);
    const original = fs.readFileSync(segment);

    const r = await repairStore(dataDir);
    expect(r.changed).toBe(true);
    expect(r.lostRuns).toEqual([]);
    expect(r.lostSteps.map((l) => [l.runId, l.record, l.steps, l.lastSeq]).sort((a, b) => (a[1] as number) - (b[1] as number))).toEqual(lostRecords.map((i) => ['run-a', i, 3, 3]));
    const text = r.lines.join('\n');
    expect(text).toContain('The step segments of run run-a were damaged: the steps of 2 records are lost (6 steps)');
    for (const i of lostRecords) expect(text).toMatch(new RegExp(`run run-a, record ${i}: 3 steps \\(up to step 3\\), steps-0000\\.seg at byte \\d+: a frame fails its CRC-32 checksum`));
    expect(fs.readFileSync(path.join(r.asideDir!, 'runs', 'run-a.steps', 'steps-0000.seg')).equals(original)).toBe(true);
    expect(fs.readFileSync(path.join(r.asideDir!, 'repair-report.txt'), 'utf8')).toContain('the steps of 2 records are lost');
    expect((await verifyStore(dataDir)).healthy).toBe(true);

    const store = await open(storeDir);
    for (let i = 0; i < N; i++) {
      const steps = await store.listSteps('run-a', i);
      expect(steps).toEqual(lostRecords.includes(i) ? [] : reads.records[i].steps);
      expect(await store.getRecord('run-a', i)).toEqual(reads.records[i].record);
    }
    // The run report keeps every duration (they are kept with the record, not in the frame).
    expect(await store.stepTimings('run-a')).toEqual(reads.stepTimings);
    await store.close();
    expect((await repairStore(dataDir)).changed).toBe(false);
  });

  it('a step segment deleted by hand: verify names every record it held; repair reports them all and the store reads again', async () => {
    const { dataDir, storeDir, segment, reads } = await spilledFolder();
    fs.rmSync(segment);
    const bad = await verifyStore(dataDir);
    expect(bad.healthy).toBe(false);
    expect(bad.lines.join('\n')).toContain(`Damaged: the step segments of run run-a (records ${Array.from({ length: N }, (_, i) => i).slice(0, 20).join(', ')} and 10 more: ${N * 3} steps)`);
    const r = await repairStore(dataDir);
    expect(r.lostSteps).toHaveLength(N);
    expect(r.lostSteps.every((l) => l.reason === 'the file is missing')).toBe(true);
    expect((await verifyStore(dataDir)).healthy).toBe(true);
    const store = await open(storeDir);
    expect(await store.listSteps('run-a', 4)).toEqual([]);
    expect(await store.getRecord('run-a', 4)).toEqual(reads.records[4].record);
    await store.close();
  });

  it('with the journal damaged too: verify cannot tell which records a segment holds and says so; repair mends the journal first, then the segment, naming the record', async () => {
    const { dataDir, storeDir, segment, reads } = await spilledFolder();
    const store = await open(storeDir);
    for (let i = 0; i < 4; i++) await store.appendLogs([{ runId: 'run-a', recordIndex: i, nodeId: null, level: 'info', message: `late ${i}`, data: null, at: reads.records[i].record!.startedAt! }]);
    await store.kill();
    const journal = fs.readdirSync(storeDir).filter((f) => f.startsWith('journal-')).map((f) => path.join(storeDir, f)).find((f) => fs.statSync(f).size > 0)!;
    flip(journal, 20); // the first of four entries: three valid ones follow
    const [frame, next] = frames(segment).slice(6, 8);
    flip(segment, frame.offset + 12);

    const bad = await verifyStore(dataDir);
    expect(bad.healthy).toBe(false);
    const text = bad.lines.join('\n');
    expect(text).toContain('which records they hold cannot be told while the snapshot or journal is damaged');
    expect(text).toContain(`step segments in runs/run-a.steps: DAMAGED: steps-0000.seg bytes ${frame.offset}–`);
    expect(text).toContain(`Damaged: ${path.basename(journal)} at byte 0`);

    const r = await repairStore(dataDir);
    expect(r.loss?.entries).toBe(4); // the damaged entry (unreadable) and the three after it
    expect(r.loss?.unreadable).toBe(1);
    expect(r.lostSteps.map((l) => [l.runId, l.record, l.steps])).toEqual([['run-a', frame.record, 3]]);
    expect((await verifyStore(dataDir)).healthy).toBe(true);
    const again = await open(storeDir);
    expect(await again.listSteps('run-a', frame.record)).toEqual([]);
    expect(await again.listSteps('run-a', next.record)).toEqual(reads.records[next.record].steps);
    await again.close();
  });

  it('a backup whose step segment was damaged afterwards is refused by restore (E_BACKUP_INVALID), nothing changed', async () => {
    const { dataDir, reads } = await spilledFolder();
    const backup = path.join(tempDir(), 'b');
    await backupStore(dataDir, backup);
    const copied = path.join(backup, 'store', 'runs', 'run-a.steps', 'steps-0000.seg');
    const frame = frames(copied)[2];
    flip(copied, frame.offset + 9);
    const target = tempDir();
    await expect(restoreStore(target, backup)).rejects.toMatchObject({ code: 'E_BACKUP_INVALID', message: expect.stringContaining(`the step segments of run run-a (record ${frame.record}: 3 steps)`) });
    expect(fs.readdirSync(target)).toEqual([]);
    flip(copied, frame.offset + 9);
    await restoreStore(target, backup);
    const store = await open(path.join(target, 'store'));
    expect(await store.listSteps('run-a', frame.record)).toEqual(reads.records[frame.record].steps);
    await store.close();
  });

  it('a byte flipped in the manifest of the archive that took over the steps: verify names it, the studio refuses to start (E_STORE_DAMAGED)', async () => {
    const { dataDir, storeDir } = await spilledFolder();
    const store = await open(storeDir);
    const folder = (await store.archiveRun('run-a')).dir;
    await store.close();
    expect(fs.existsSync(path.join(storeDir, 'runs', 'run-a.steps'))).toBe(false);
    const manifest = path.join(storeDir, 'runs', folder, 'manifest.bin');
    flip(manifest, 30);
    const bad = await verifyStore(dataDir);
    expect(bad.healthy).toBe(false);
    expect(bad.lines.join('\n')).toContain(`archive ${folder}: DAMAGED: manifest.bin at byte 0`);
    await expect(open(storeDir)).rejects.toMatchObject({ code: 'E_STORE_DAMAGED', message: expect.stringContaining('manifest.bin') });
  });
});

describe('retention takes step segments with their run', () => {
  it('deleting a run (archived first as files) removes its step segments; the exported steps are all there; a folder left by a crash goes at the next start', async () => {
    const { dataDir, storeDir, reads } = await spilledFolder();
    const spill = path.join(storeDir, 'runs', 'run-a.steps');
    const kept = fs.readFileSync(path.join(spill, 'steps-0000.seg'));
    const store = await open(storeDir);
    const retention = new Retention({ store, dataDir });
    const deleted = await retention.deleteRun('run-a', { actor: 'cli', force: true, archive: true });
    expect(fs.existsSync(spill)).toBe(false);
    const exported = fs.readFileSync(path.join(deleted.archive!, 'steps.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(exported).toEqual(JSON.parse(JSON.stringify(reads.records.flatMap((r) => r.steps))));
    await store.close();

    // A crash between the deletion's entry and the folder's removal leaves the folder: nothing names it.
    fs.mkdirSync(spill);
    fs.writeFileSync(path.join(spill, 'steps-0000.seg'), kept);
    expect((await verifyStore(dataDir)).healthy).toBe(true);
    const again = await open(storeDir);
    expect(await again.getRun('run-a')).toBeNull();
    await again.close();
    expect(fs.existsSync(spill)).toBe(false);
    expect((await verifyStore(dataDir)).lines.join('\n')).not.toContain('step segments');
  });
});
