/**
 * Runs' step segments (server/store/archive/spill.ts) under `store verify` and `store repair`
 * (archive/spill-check.ts): every byte read, damage named by file, offset and records (every record
 * sharing the damaged frame), never served; repair keeps every intact record's steps and says exactly
 * which were lost. And retention: a run deleted or archived takes its step segments with it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlJsStore, type SqlJsStore } from '../../../server/store/sqljs-store.ts';
import { backupStore, repairStore, restoreStore, verifyStore } from '../../../server/store/maintenance.ts';
import { FRAME_HEAD } from '../../../server/store/archive/frames.ts';
import { FRAME_RECORDS } from '../../../server/store/archive/spill.ts';
import { Retention } from '../../../server/retention/retention.ts';
import { removeTempDirs, tempDir } from './fixtures.ts';
import { everything, finishedRun } from './archive-fixtures.ts';
import { recordsByFrame, segmentFrames as frames, type SegmentFrame, spilledRefs } from './spill-damage-fixtures.ts';

afterEach(removeTempDirs);

const N = 30;
const open = (storeDir: string) => openSqlJsStore(storeDir, { archiveAfterMs: null, spillBatch: 10, onWarning: () => {} });

/** Verify's DAMAGED line for `frame` of run-a's first segment: every record sharing it, 3 steps each. */
const damagedLine = (frame: SegmentFrame, reason: string) =>
  `  step segments of run run-a: DAMAGED: steps-0000.seg at byte ${frame.offset}: ${reason}: ${frame.records.map((r) => `record ${r}, 3 steps (up to step 3)`).join('; ')} cannot be read`;

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
  // What the damaged folder is compared with: each record reads its own 3 steps (not another's rows of its frame).
  expect(reads.records.map((r) => r.steps.map((s) => [s.recordIndex, s.seq]))).toEqual(Array.from({ length: N }, (_, i) => [1, 2, 3].map((seq) => [i, seq])));
  return { dataDir, storeDir, segment: path.join(storeDir, 'runs', 'run-a.steps', 'steps-0000.seg'), reads };
}

/** Waits for the step batches under way (they start after group commits), then closes. */
async function settle(store: SqlJsStore): Promise<void> {
  await store.appendLogs([]);
  await new Promise((r) => setTimeout(r, 50));
  await store.close();
}

describe('store verify reads every step segment', () => {
  it('a healthy folder: every frame checked and named, each by the records whose rows it holds (shared); a torn write at the end of a segment loses nothing', async () => {
    const { dataDir, storeDir, segment } = await spilledFolder();
    const all = frames(segment);
    // Every record's rows in exactly one frame; records share frames, never more than FRAME_RECORDS a frame.
    expect(all.flatMap((f) => f.records).sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(all.length).toBeLessThan(N);
    expect(Math.max(...all.map((f) => f.records.length))).toBeGreaterThan(1);
    expect(Math.max(...all.map((f) => f.records.length))).toBeLessThanOrEqual(FRAME_RECORDS);
    // The store names each frame for exactly the records whose rows it holds.
    const store = await open(storeDir);
    const named = recordsByFrame(spilledRefs(store, 'run-a'));
    await store.close();
    expect(named).toEqual(new Map(all.map((f) => [`0:${f.offset}:${f.length}`, f.records])));
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
  const crc = () => 'a frame fails its CRC-32 checksum';
  const places: Array<[string, (fs: SegmentFrame[]) => { at: number; frame: SegmentFrame }, (f: SegmentFrame) => string]> = [
    // The length word's low byte, flipped (0x10): the stored length differs from the one the rows name.
    ['the length in a frame header', (f) => ({ at: f[1].offset, frame: f[1] }), (f) => `a frame length of ${(f.length - FRAME_HEAD) ^ 0x10} where ${f.length - FRAME_HEAD} was expected`],
    ['the CRC in a frame header', (f) => ({ at: f[0].offset + 5, frame: f[0] }), crc],
    ['the middle of a frame', (f) => ({ at: f[1].offset + Math.floor(f[1].length / 2), frame: f[1] }), crc],
    ['the last byte of the last frame', (f) => ({ at: f.at(-1)!.offset + f.at(-1)!.length - 1, frame: f.at(-1)! }), crc],
  ];
  for (const [where, pick, reasonOf] of places) {
    it(`a byte flipped in ${where}: verify names the file, the offset and every record sharing the frame; their steps answer E_STORE_DAMAGED, every other read is unchanged`, async () => {
      const { dataDir, storeDir, segment, reads } = await spilledFolder();
      const { at, frame } = pick(frames(segment));
      const lost = frame.records;
      const reason = reasonOf(frame);
      expect(lost.length).toBeGreaterThan(1); // a shared frame
      flip(segment, at);
      const before = fs.readFileSync(segment);

      const bad = await verifyStore(dataDir);
      expect(bad.healthy).toBe(false);
      // One damage for the frame, losing every record that shares it (and nothing else).
      expect(bad.spills.flatMap((s) => s.damaged).map((d) => [d.offset, d.end, d.lost.map((r) => [r.record, r.steps, r.lastSeq])])).toEqual([
        [frame.offset, frame.offset + frame.length, lost.map((r) => [r, 3, 3])],
      ]);
      const text = bad.lines.join('\n');
      expect(bad.lines.filter((l) => l.includes(': DAMAGED: '))).toEqual([damagedLine(frame, reason)]);
      expect(text).toContain(`Damaged: the step segments of run run-a (records ${lost.join(', ')}: ${3 * lost.length} steps)`);
      expect(fs.readFileSync(segment).equals(before)).toBe(true); // verify changes nothing

      const store = await open(storeDir);
      for (const record of lost) {
        await expect(store.listSteps('run-a', record)).rejects.toMatchObject({
          code: 'E_STORE_DAMAGED',
          message: expect.stringContaining(`${segment} at byte ${frame.offset}: ${reason}`),
          details: { record, file: segment, offset: frame.offset },
        });
      }
      for (let i = 0; i < N; i++) {
        if (!lost.includes(i)) expect(await store.listSteps('run-a', i)).toEqual(reads.records[i].steps);
        expect(await store.getRecord('run-a', i)).toEqual(reads.records[i].record);
      }
      await store.kill();
    });
  }

  it('repair copies the damaged segment aside, keeps every intact record\'s steps in place and reports exactly the steps lost: those of every record sharing a damaged frame', async () => {
    const { dataDir, storeDir, segment, reads } = await spilledFolder();
    const all = frames(segment);
    expect(all.length).toBeGreaterThanOrEqual(3);
    const damaged = [all[0], all.at(-1)!];
    // Two bytes in the first frame, one in the last: one damage per frame.
    flip(segment, all[0].offset + 20);
    flip(segment, all[0].offset + 40);
    flip(segment, all.at(-1)!.offset + 30);
    const lostRecords = damaged.flatMap((f) => f.records).sort((a, b) => a - b);
    const offsetOf = new Map(damaged.flatMap((f) => f.records.map((r) => [r, f.offset] as const)));
    expect(lostRecords.length).toBeGreaterThan(2);
    expect(lostRecords.length).toBeLessThan(N);
    expect(
      (await verifyStore(dataDir)).spills.flatMap((s) => s.damaged).map((d) => [d.offset, d.lost.map((l) => l.record)]),
    ).toEqual(damaged.map((f) => [f.offset, f.records]));
    const original = fs.readFileSync(segment);

    const r = await repairStore(dataDir);
    expect(r.changed).toBe(true);
    expect(r.lostRuns).toEqual([]);
    expect(r.lostSteps.map((l) => [l.runId, l.record, l.steps, l.lastSeq, l.offset]).sort((a, b) => (a[1] as number) - (b[1] as number))).toEqual(
      lostRecords.map((i) => ['run-a', i, 3, 3, offsetOf.get(i)]),
    );
    const text = r.lines.join('\n');
    expect(text).toContain(`The step segments of run run-a were damaged: the steps of ${lostRecords.length} records are lost (${3 * lostRecords.length} steps)`);
    for (const i of lostRecords) expect(text).toContain(`run run-a, record ${i}: 3 steps (up to step 3), steps-0000.seg at byte ${offsetOf.get(i)}: a frame fails its CRC-32 checksum`);
    for (let i = 0; i < N; i++) if (!lostRecords.includes(i)) expect(text).not.toContain(`run run-a, record ${i}:`);
    expect(fs.readFileSync(path.join(r.asideDir!, 'runs', 'run-a.steps', 'steps-0000.seg')).equals(original)).toBe(true);
    expect(fs.readFileSync(path.join(r.asideDir!, 'repair-report.txt'), 'utf8')).toContain(`the steps of ${lostRecords.length} records are lost`);
    expect((await verifyStore(dataDir)).healthy).toBe(true);
    // The damaged frames stay where they were, emptied; the others are untouched.
    expect(frames(segment)).toEqual(all.map((f) => (damaged.includes(f) ? { ...f, records: [] } : f)));

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

  it('with the journal damaged too: verify cannot tell which records a segment holds and says so; repair mends the journal first, then the segment, naming every record sharing the frame', async () => {
    const { dataDir, storeDir, segment, reads } = await spilledFolder();
    const store = await open(storeDir);
    for (let i = 0; i < 4; i++) await store.appendLogs([{ runId: 'run-a', recordIndex: i, nodeId: null, level: 'info', message: `late ${i}`, data: null, at: reads.records[i].record!.startedAt! }]);
    await store.kill();
    const journal = fs.readdirSync(storeDir).filter((f) => f.startsWith('journal-')).map((f) => path.join(storeDir, f)).find((f) => fs.statSync(f).size > 0)!;
    flip(journal, 20); // the first of four entries: three valid ones follow
    const frame = frames(segment)[1];
    expect(frame.records.length).toBeGreaterThan(1);
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
    expect(r.lostSteps.map((l) => [l.runId, l.record, l.steps, l.offset])).toEqual(frame.records.map((i) => ['run-a', i, 3, frame.offset]));
    expect((await verifyStore(dataDir)).healthy).toBe(true);
    const again = await open(storeDir);
    for (let i = 0; i < N; i++) expect(await again.listSteps('run-a', i)).toEqual(frame.records.includes(i) ? [] : reads.records[i].steps);
    await again.close();
  });

  it('a backup whose step segment was damaged afterwards is refused by restore (E_BACKUP_INVALID), nothing changed', async () => {
    const { dataDir, reads } = await spilledFolder();
    const backup = path.join(tempDir(), 'b');
    await backupStore(dataDir, backup);
    const copied = path.join(backup, 'store', 'runs', 'run-a.steps', 'steps-0000.seg');
    const frame = frames(copied)[1];
    expect(frame.records.length).toBeGreaterThan(1);
    flip(copied, frame.offset + 9);
    const target = tempDir();
    await expect(restoreStore(target, backup)).rejects.toMatchObject({
      code: 'E_BACKUP_INVALID',
      message: expect.stringContaining(`the step segments of run run-a (records ${frame.records.join(', ')}: ${3 * frame.records.length} steps)`),
    });
    expect(fs.readdirSync(target)).toEqual([]);
    flip(copied, frame.offset + 9);
    await restoreStore(target, backup);
    const store = await open(path.join(target, 'store'));
    for (let i = 0; i < N; i++) expect(await store.listSteps('run-a', i)).toEqual(reads.records[i].steps);
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
