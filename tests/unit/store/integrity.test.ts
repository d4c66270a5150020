/**
 * Every byte is checked: damage to the journal or the snapshot is refused with E_STORE_DAMAGED
 * (file, offset, what would be lost) and changes nothing on disk; only the torn end of the last
 * journal file (a write cut by a crash) is dropped, and that is logged with what was dropped.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlJsStore, type SqlJsStore } from '../../../server/store/sqljs-store.ts';
import { FRAME_HEADER_BYTES, FrameEncoder, frameCrc, journalFileName, PACKED_FRAME } from '../../../server/store/journal.ts';
import { scanJournal } from '../../../server/store/integrity.ts';
import { checkSnapshot } from '../../../server/store/snapshot.ts';
import { crc32 } from '../../../server/store/crc32.ts';
import { ConveyorError } from '../../../server/errors.ts';
import { flowDoc, recordData, removeTempDirs, runRow, stepRow, stepUpdate, tempDir } from './fixtures.ts';

afterAll(removeTempDirs);

const journals = (dir: string) =>
  fs
    .readdirSync(dir)
    .filter((f) => /^journal-\d+\.log$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));

/** Name → SHA-256 of every file in `dir`: "nothing changed on disk" compares two of these. */
function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir).sort()) out[f] = createHash('sha256').update(fs.readFileSync(path.join(dir, f))).digest('hex');
  return out;
}

async function contents(store: SqlJsStore, runIds: string[]) {
  const out: Record<string, unknown> = { flows: (await store.listFlows()).map((f) => f.id) };
  for (const id of runIds) {
    const records = await store.listRecords(id, { limit: 1000 });
    const steps = [];
    for (const r of records.items) steps.push((await store.listSteps(id, r.index)).map((s) => s.seq));
    out[id] = { run: await store.getRun(id), records: records.items.map((r) => [r.status, r.checkpoint]), steps };
  }
  return out;
}

/**
 * A store killed after: flow f, run r (4 records), 5 steps per record: 22 entries in journal-1, one
 * frame each (one write at a time). `together`: the 4 records' steps committed at once, so that each
 * group commit of 4 steps is one packed frame (journal.ts).
 */
async function killedStore(dir: string, together = false): Promise<{ acknowledged: Record<string, unknown> }> {
  const store = await openSqlJsStore(dir, { onWarning: () => undefined });
  await store.putFlow(flowDoc('f'));
  await store.createRun(runRow('r', 'f', '2024-01-01T00:00:00.000Z', 4), [0, 1, 2, 3].map(recordData));
  for (let seq = 1; seq <= 5; seq++) {
    if (together) await Promise.all([0, 1, 2, 3].map((i) => store.commitStep(stepRow('r', i, seq), stepUpdate('r', i, seq))));
    else for (const i of [0, 1, 2, 3]) await store.commitStep(stepRow('r', i, seq), stepUpdate('r', i, seq));
  }
  const acknowledged = await contents(store, ['r']);
  await store.kill();
  return { acknowledged };
}

/** Frame boundaries (start offsets) of a journal file. */
function frameOffsets(file: string): number[] {
  const buf = fs.readFileSync(file);
  return scanJournal({ path: file, startSeq: Number(/journal-(\d+)/.exec(file)![1]) }, buf, true).frames.map((f) => f.offset);
}

async function refusal(dir: string): Promise<ConveyorError> {
  const err = await openSqlJsStore(dir, { onWarning: () => undefined }).then(
    async (s) => {
      await s.close();
      return null;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConveyorError);
  return err as ConveyorError;
}

function flip(file: string, offset: number): void {
  const buf = fs.readFileSync(file);
  buf[offset] ^= 0x20;
  fs.writeFileSync(file, buf);
}

describe('journal damage', () => {
  it('a byte flipped in the middle of the journal: refused with the file, the offset and what would be lost; nothing changed on disk', async () => {
    const dir = tempDir();
    await killedStore(dir);
    const [journal] = journals(dir);
    const offsets = frameOffsets(journal);
    expect(offsets.length).toBe(22);
    // Inside the payload of entry 12 (a step of run r).
    const at = offsets[11] + FRAME_HEADER_BYTES + 10;
    flip(journal, at);
    const before = fingerprint(dir);
    const err = await refusal(dir);
    expect(err.code).toBe('E_STORE_DAMAGED');
    expect(err.message).toContain(journal);
    expect(err.message).toContain(`at byte ${offsets[11]}`);
    expect(err.message).toMatch(/fails its checksum/);
    // Entry 12 is unreadable, entries 13..22 are intact after it: 11 entries, 10 readable steps of run r, would be lost.
    expect(err.message).toMatch(/would lose 11 committed entries \(entries 12–22\): run r \(records 0, 1, 2, 3; 10 steps\), 1 unreadable\./);
    expect(err.hint).toMatch(/conveyor store verify/);
    expect(err.hint).toMatch(/conveyor store repair/);
    expect((err.details as { offset: number }).offset).toBe(offsets[11]);
    expect(fingerprint(dir)).toEqual(before);
    // Refused again, the same way: nothing was cut.
    expect((await refusal(dir)).message).toBe(err.message);
  });

  it('a byte flipped in a packed frame (a group commit of several steps): every entry it held is counted lost; a torn one is dropped', async () => {
    const dir = tempDir();
    const { acknowledged } = await killedStore(dir, true);
    const [journal] = journals(dir);
    const pristine = fs.readFileSync(journal);
    const scanned = scanJournal({ path: journal, startSeq: 1 }, pristine, true).frames;
    expect(scanned.map((f) => f.seq)).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
    // The last group commit of 4 steps is one frame: its entries share the frame's offset.
    const last = scanned.filter((f) => f.offset === scanned[21].offset);
    expect(last.map((f) => f.seq)).toEqual([19, 20, 21, 22]);
    // A packed frame is smaller than its entries written one by one.
    expect(pristine.length - last[0].offset).toBeLessThan(last.reduce((n, f) => n + FRAME_HEADER_BYTES + Buffer.byteLength(f.payload), 0) * 0.9);
    // The group before it (entries 15..18), damaged: its 4 entries and the 4 after it are lost.
    const packed = scanned.find((f) => f.seq === 15)!.offset;
    expect(scanned.filter((f) => f.offset === packed).map((f) => f.seq)).toEqual([15, 16, 17, 18]);
    flip(journal, packed + FRAME_HEADER_BYTES + 12);
    const err = await refusal(dir);
    expect(err.code).toBe('E_STORE_DAMAGED');
    expect(err.message).toContain(`${journal} at byte ${packed}: a frame that fails its checksum`);
    expect(err.message).toMatch(/would lose 8 committed entries \(entries 15–22\): run r \(records 0, 1, 2, 3; 4 steps\), 4 unreadable\./);

    // Torn in the middle of the last packed frame, as a crash mid-write leaves it: the group was never
    // acknowledged, so it goes, logged; the groups before it are all there.
    fs.writeFileSync(journal, pristine.subarray(0, last[0].offset + 30));
    const warnings: string[] = [];
    const store = await openSqlJsStore(dir, { onWarning: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`30 bytes at offset ${last[0].offset} (entries from 19 on, incomplete)`);
    const steps = await store.listSteps('r', 0);
    expect(steps.map((st) => st.seq)).toEqual([1, 2, 3, 4]);
    expect((await contents(store, ['r']))['r']).not.toEqual(acknowledged['r']);
    await store.close();
  });

  it("a group commit's packed frame is Brotli; a journal whose packed frames were DEFLATE (written before) opens the same", async () => {
    const dir = tempDir();
    const { acknowledged } = await killedStore(dir, true);
    const [journal] = journals(dir);
    const buf = fs.readFileSync(journal);
    // Each packed frame rewritten as the journal wrote it before: its entries DEFLATEd, the codec bit clear.
    const parts: Buffer[] = [];
    let packedFrames = 0;
    for (let off = 0; off < buf.length; ) {
      const word = buf.readUInt32LE(off);
      const end = off + FRAME_HEADER_BYTES + (word & 0x7fff_ffff);
      if (word < PACKED_FRAME) {
        parts.push(buf.subarray(off, end));
        off = end;
        continue;
      }
      packedFrames++;
      const n = buf.readUInt32LE(off + FRAME_HEADER_BYTES);
      expect(n >>> 31).toBe(1);
      const entries = zlib.brotliDecompressSync(buf.subarray(off + FRAME_HEADER_BYTES + 4, end));
      const deflated = zlib.deflateRawSync(entries);
      const frame = Buffer.alloc(FRAME_HEADER_BYTES + 4 + deflated.length);
      frame.writeUInt32LE((PACKED_FRAME + 4 + deflated.length) >>> 0, 0);
      buf.copy(frame, 8, off + 8, off + 16);
      frame.writeUInt32LE(n & 0x7fff_ffff, FRAME_HEADER_BYTES);
      deflated.copy(frame, FRAME_HEADER_BYTES + 4);
      frame.writeUInt32LE(frameCrc(frame, 8, frame.length), 4);
      parts.push(frame);
      off = end;
    }
    expect(packedFrames).toBeGreaterThanOrEqual(5);
    const before = tempDir();
    fs.writeFileSync(path.join(before, path.basename(journal)), Buffer.concat(parts));
    for (const d of [dir, before]) {
      const store = await openSqlJsStore(d, { onWarning: () => undefined });
      expect(await contents(store, ['r'])).toEqual(acknowledged);
      await store.close();
    }
  });

  it('a packed frame whose checksum holds but whose entries do not unpack: refused, its entries counted lost', async () => {
    const dir = tempDir();
    await killedStore(dir, true);
    const [journal] = journals(dir);
    const buf = fs.readFileSync(journal);
    const scanned = scanJournal({ path: journal, startSeq: 1 }, buf, true).frames;
    const packed = scanned.find((f) => f.seq === 15)!.offset;
    const len = buf.readUInt32LE(packed) & 0x7fff_ffff;
    // Damage written with a checksum to match (a bad write below the file system, say): it passes the CRC.
    buf[packed + FRAME_HEADER_BYTES + 4 + Math.floor(len / 2)] ^= 0xff;
    buf.writeUInt32LE(frameCrc(buf, packed + 8, packed + FRAME_HEADER_BYTES + len), packed + 4);
    fs.writeFileSync(journal, buf);
    const err = await refusal(dir);
    expect(err.code).toBe('E_STORE_DAMAGED');
    expect(err.message).toContain(`${journal} at byte ${packed}: a packed frame whose entries cannot be unpacked`);
    expect(err.message).toMatch(/would lose 8 committed entries \(entries 15–22\)/);
  });

  it('a byte flipped in the first frame, or in a frame length: refused', async () => {
    const dir = tempDir();
    await killedStore(dir);
    const [journal] = journals(dir);
    const pristine = fs.readFileSync(journal);
    flip(journal, FRAME_HEADER_BYTES + 3);
    const before = fingerprint(dir);
    const first = await refusal(dir);
    expect(first.message).toContain(`${journal} at byte 0:`);
    expect(first.message).toMatch(/would lose 22 committed entries \(entries 1–22\).*, 1 unreadable\./);
    expect(fingerprint(dir)).toEqual(before);

    // A length field claiming more bytes than the file has, in the middle: not a torn tail (valid frames follow).
    fs.writeFileSync(journal, pristine);
    const offsets = frameOffsets(journal);
    const buf = Buffer.from(pristine);
    buf.writeUInt32LE(1 << 29, offsets[5]);
    fs.writeFileSync(journal, buf);
    const length = await refusal(dir);
    expect(length.message).toContain(`at byte ${offsets[5]}: a frame of ${1 << 29} bytes`);
    expect(length.message).toMatch(/would lose 17 committed entries \(entries 6–22\)/);
  });

  it('a byte flipped in the last frame of a journal file that is not the last: refused', async () => {
    const dir = tempDir();
    const { acknowledged } = await killedStore(dir);
    const [journal] = journals(dir);
    const content = fs.readFileSync(journal);
    const offsets = frameOffsets(journal);
    // Split into journal-1 (entries 1..10) and journal-11 (entries 11..22), as a rotation leaves them.
    fs.writeFileSync(journal, content.subarray(0, offsets[10]));
    const second = path.join(dir, journalFileName(11));
    fs.writeFileSync(second, content.subarray(offsets[10]));
    // Split like this, the store opens with everything.
    const ok = await openSqlJsStore(dir);
    expect(await contents(ok, ['r'])).toEqual(acknowledged);
    await ok.kill();

    flip(journal, offsets[10] - 3); // the last frame of journal-1
    const before = fingerprint(dir);
    const err = await refusal(dir);
    expect(err.code).toBe('E_STORE_DAMAGED');
    expect(err.message).toContain(`${journal} at byte ${offsets[9]}`);
    // Entry 10 (unreadable) and entries 11..22 of the next file would be lost.
    expect(err.message).toMatch(/would lose 13 committed entries \(entries 10–22\).*, 1 unreadable\./);
    expect(fingerprint(dir)).toEqual(before);
  });

  it('a missing journal file (a gap in the entries) and an entry that cannot be read: refused', async () => {
    const dir = tempDir();
    await killedStore(dir);
    const [journal] = journals(dir);
    const content = fs.readFileSync(journal);
    const offsets = frameOffsets(journal);
    fs.writeFileSync(journal, content.subarray(0, offsets[10]));
    fs.writeFileSync(path.join(dir, journalFileName(15)), content.subarray(offsets[14]));
    const gap = await refusal(dir);
    expect(gap.message).toContain(journalFileName(15));
    expect(gap.message).toMatch(/entries 11–14 are missing/);

    // A frame whose checksum holds but whose payload is not an entry.
    const dir2 = tempDir();
    await killedStore(dir2);
    const [j2] = journals(dir2);
    const good = fs.readFileSync(j2);
    const { buf, length } = new FrameEncoder().encode([{ seq: 23, payload: 'not json {' }, { seq: 24, payload: '["D","f"]' }]);
    fs.writeFileSync(j2, Buffer.concat([good, buf.subarray(0, length)]));
    const bad = await refusal(dir2);
    expect(bad.message).toContain(`${j2} at byte ${good.length}: entry 23 passes its checksum but cannot be read`);
    expect(bad.message).toMatch(/would lose 2 committed entries \(entries 23–24\)/);
  });

  it('a torn tail opens: dropped and logged with what was dropped; every acknowledged write is there', async () => {
    const dir = tempDir();
    const { acknowledged } = await killedStore(dir);
    const [journal] = journals(dir);
    const size = fs.statSync(journal).size;
    // Half of a frame, as a crash mid-write leaves it.
    const { buf, length } = new FrameEncoder().encode([{ seq: 23, payload: JSON.stringify(['D', 'f']) }]);
    fs.appendFileSync(journal, buf.subarray(0, Math.floor(length / 2)));
    const warnings: string[] = [];
    const store = await openSqlJsStore(dir, { onWarning: (m) => warnings.push(m) });
    expect(await contents(store, ['r'])).toEqual(acknowledged);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`Dropped the torn end of the journal ${journal}: ${Math.floor(length / 2)} bytes at offset ${size} (entries from 23 on, incomplete)`);
    expect(fs.statSync(journal).size).toBe(size);
    await store.close();
  });
});

describe('snapshot damage', () => {
  async function closedStore(dir: string) {
    const store = await openSqlJsStore(dir);
    await store.putFlow(flowDoc('f'));
    await store.createRun(runRow('r', 'f', '2024-01-01T00:00:00.000Z', 4), [0, 1, 2, 3].map(recordData));
    for (let seq = 1; seq <= 3; seq++) await Promise.all([0, 1, 2, 3].map((i) => store.commitStep(stepRow('r', i, seq), stepUpdate('r', i, seq))));
    const acknowledged = await contents(store, ['r']);
    await store.close();
    return acknowledged;
  }

  /** A closed store's folder, its snapshot file and the SQLite bytes the snapshot holds. */
  async function closedSnapshot() {
    const dir = tempDir();
    const acknowledged = await closedStore(dir);
    const snap = path.join(dir, 'conveyor.db');
    const check = checkSnapshot(fs.readFileSync(snap));
    expect(check.state).toBe('ok');
    return { dir, acknowledged, snap, data: Buffer.from(check.bytes!) };
  }

  it('a byte flipped anywhere in the snapshot: refused, naming conveyor.db and where', async () => {
    const dir = tempDir();
    const acknowledged = await closedStore(dir);
    const snap = path.join(dir, 'conveyor.db');
    const pristine = fs.readFileSync(snap);
    const again = await openSqlJsStore(dir);
    expect(await contents(again, ['r'])).toEqual(acknowledged);
    await again.close();
    expect(fs.readFileSync(snap)).toEqual(pristine); // nothing written: nothing to snapshot

    for (const at of [5, 40, pristine.length - 100, Math.floor(pristine.length / 2)]) {
      fs.writeFileSync(snap, pristine);
      flip(snap, at);
      const before = fingerprint(dir);
      const err = await refusal(dir);
      expect(err.code).toBe('E_STORE_DAMAGED');
      expect(err.message).toContain(`${snap} at byte `);
      expect(err.message).toMatch(/checksum|header/);
      expect(fingerprint(dir)).toEqual(before);
    }
    // The data part: the 64 KiB chunk holding the byte is named.
    fs.writeFileSync(snap, pristine);
    flip(snap, pristine.length - 100);
    expect((await refusal(dir)).message).toMatch(/bytes \d+–\d+ fail their checksum/);
  });

  it('a snapshot chunk whose checksum holds but that inflates to fewer bytes than were written: refused, naming those bytes', async () => {
    const { dir, snap } = await closedSnapshot();
    const pristine = fs.readFileSync(snap);
    const headerBytes = pristine.readUInt32LE(8);
    const chunks = pristine.readUInt32LE(64);
    // Chunks as stored, then the first deflated one replaced by a valid stream of 10 bytes fewer, its
    // CRC-32 and the header's own made to match (a bad write below the file system, say).
    const stored: Buffer[] = [];
    for (let i = 0, at = headerBytes; i < chunks; i++) {
      const len = pristine.readUInt32LE(68 + 8 * i + 4) & 0x7fff_ffff;
      stored.push(pristine.subarray(at, at + len));
      at += len;
    }
    const i = stored.findIndex((_, n) => pristine.readUInt32LE(68 + 8 * n + 4) >= 0x8000_0000);
    expect(i).toBeGreaterThanOrEqual(0);
    const inflated = zlib.inflateRawSync(stored[i]);
    stored[i] = zlib.deflateRawSync(inflated.subarray(0, inflated.length - 10));
    const header = Buffer.from(pristine.subarray(0, headerBytes));
    header.writeUInt32LE((0x8000_0000 + stored[i].length) >>> 0, 68 + 8 * i + 4);
    header.writeUInt32LE(crc32(stored[i], 0, stored[i].length), 68 + 8 * i);
    header.writeUInt32LE(crc32(header, 0, headerBytes - 4), headerBytes - 4);
    fs.writeFileSync(snap, Buffer.concat([header, ...stored]));
    const at = headerBytes + stored.slice(0, i).reduce((n, b) => n + b.length, 0);
    const check = checkSnapshot(fs.readFileSync(snap));
    expect(check).toMatchObject({ state: 'damaged', offset: at, reason: `bytes ${at}–${at + stored[i].length - 1} inflate to ${inflated.length - 10} bytes where ${inflated.length} were written` });
    const err = await refusal(dir);
    expect(err.code).toBe('E_STORE_DAMAGED');
    expect(err.message).toContain(`${snap} at byte ${at}: bytes ${at}–${at + stored[i].length - 1} inflate to ${inflated.length - 10} bytes`);
  });

  it('a snapshot deleted after a clean stop: refused instead of starting empty', async () => {
    const dir = tempDir();
    await closedStore(dir);
    fs.rmSync(path.join(dir, 'conveyor.db'));
    const before = fingerprint(dir);
    const err = await refusal(dir);
    expect(err.code).toBe('E_STORE_DAMAGED');
    expect(err.message).toMatch(/no snapshot \(conveyor\.db\)/);
    expect(err.message).toMatch(/entries 1–14 are missing/);
    expect(fingerprint(dir)).toEqual(before);
  });

  it('the journal that continues the snapshot deleted (after a crash, or after a clean stop): refused, naming the file and from which entry on writes would be lost; nothing changed on disk', async () => {
    const dir = tempDir();
    await closedStore(dir);
    // Written after the snapshot, then a crash: these entries are only in the journal.
    const store = await openSqlJsStore(dir, { onWarning: () => undefined });
    await store.putFlow(flowDoc('later'));
    await store.commitStep(stepRow('r', 0, 4), stepUpdate('r', 0, 4));
    await store.kill();
    const [journal] = journals(dir);
    expect(path.basename(journal)).toBe('journal-0000000000000015.log');
    fs.rmSync(journal);
    const before = fingerprint(dir);
    const err = await refusal(dir);
    expect(err.code).toBe('E_STORE_DAMAGED');
    expect(err.message).toContain('no journal file continues the snapshot conveyor.db (entries up to 14)');
    expect(err.message).toContain('journal-0000000000000015.log');
    expect(err.message).toMatch(/whatever was written after entry 14 would be lost/);
    expect(fingerprint(dir)).toEqual(before);

    // After a clean stop the journal is empty, but the store cannot know it was: refused the same way.
    const clean = tempDir();
    await closedStore(clean);
    fs.rmSync(journals(clean)[0]);
    expect((await refusal(clean)).message).toContain('no journal file continues the snapshot');

    // A crash right after a rotation's snapshot, its old journal not removed yet: refused without
    // removing that old journal (nothing on disk changes).
    const rotated = tempDir();
    let old: { name: string; bytes: Buffer } | null = null;
    const live = await openSqlJsStore(rotated, {
      snapshotThresholdBytes: 1,
      onWarning: () => undefined,
      onSnapshot: (e) => {
        if (e.phase === 'start' && !old) old = { name: path.basename(journals(rotated)[0]), bytes: fs.readFileSync(journals(rotated)[0]) };
      },
    });
    await live.putFlow(flowDoc('a'));
    await live.putFlow(flowDoc('b'));
    await live.kill();
    const newest = journals(rotated).at(-1)!;
    expect(path.basename(newest)).not.toBe(old!.name);
    fs.writeFileSync(path.join(rotated, old!.name), old!.bytes);
    fs.rmSync(newest);
    const kept = fingerprint(rotated);
    expect((await refusal(rotated)).message).toContain('no journal file continues the snapshot');
    expect(fingerprint(rotated)).toEqual(kept);
  });

  it('a snapshot deleted while the journal is kept (crash): a coded refusal, not a stack trace', async () => {
    const dir = tempDir();
    const store = await openSqlJsStore(dir, { snapshotThresholdBytes: 1 });
    await store.putFlow(flowDoc('a'));
    await store.putFlow(flowDoc('b'));
    await store.kill();
    fs.rmSync(path.join(dir, 'conveyor.db'));
    const err = await refusal(dir);
    expect(err.code).toBe('E_STORE_DAMAGED');
    expect(err.message).toMatch(/was conveyor\.db deleted or moved/);
  });

  it('a snapshot of the first checked form (version 1, not deflated) opens without a word; the next snapshot is deflated', async () => {
    const { dir, acknowledged, snap, data } = await closedSnapshot();
    const seq = (checkSnapshot(fs.readFileSync(snap)) as { seq: number }).seq;
    // Version 1: "CVSNAP\0\x01", a CRC-32 per 64 KiB chunk, the data as it is.
    const chunk = 64 * 1024;
    const n = Math.ceil(data.length / chunk);
    const h = Buffer.alloc(68 + 4 * n + 4);
    h.write('CVSNAP\0\x01', 0, 'latin1');
    h.writeUInt32LE(h.length, 8);
    h.writeUInt32LE(chunk, 12);
    h.writeUInt32LE(data.length, 20);
    h.writeUInt32LE(seq, 28);
    createHash('sha256').update(data).digest().copy(h, 32);
    h.writeUInt32LE(n, 64);
    for (let i = 0; i < n; i++) h.writeUInt32LE(crc32(data, i * chunk, Math.min(data.length, (i + 1) * chunk)), 68 + 4 * i);
    h.writeUInt32LE(crc32(h, 0, h.length - 4), h.length - 4);
    fs.writeFileSync(snap, Buffer.concat([h, data]));
    const warnings: string[] = [];
    const store = await openSqlJsStore(dir, { onWarning: (m) => warnings.push(m) });
    expect(await contents(store, ['r'])).toEqual(acknowledged);
    expect(warnings).toEqual([]);
    // Its next snapshot (here the one close() takes after a write) is of the current form.
    await store.putFlow(flowDoc('g'));
    await store.close();
    const rewritten = fs.readFileSync(snap);
    expect(rewritten.subarray(0, 8).toString('latin1')).toBe('CVSNAP\0\x02');
    expect(rewritten.length).toBeLessThan(data.length);
  });

  it('a snapshot written before checksums opens once, with a warning, and is written again with them', async () => {
    const { dir, acknowledged, snap, data } = await closedSnapshot();
    fs.writeFileSync(snap, data); // the raw SQLite bytes, as older versions wrote them
    const warnings: string[] = [];
    const store = await openSqlJsStore(dir, { onWarning: (m) => warnings.push(m) });
    expect(await contents(store, ['r'])).toEqual(acknowledged);
    expect(warnings.join('\n')).toMatch(/written without checksums/);
    await store.close();
    expect(fs.readFileSync(snap).subarray(0, 6).toString('latin1')).toBe('CVSNAP');
    const warnings2: string[] = [];
    const reopened = await openSqlJsStore(dir, { onWarning: (m) => warnings2.push(m) });
    expect(warnings2).toEqual([]);
    await reopened.close();
  });
});
