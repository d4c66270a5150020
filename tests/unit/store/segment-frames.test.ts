// Segment frames (server/store/archive/frames.ts): payloads that repeat themselves are stored deflated,
// read back byte for byte, and every frame is still checked — a deflated frame whose checksum holds but
// whose bytes do not inflate is damage, named, never served.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crc32 } from '../../../server/store/crc32.ts';
import { ArchiveDamage, encodeFrame, FRAME_HEAD, frameIn, SegmentReader, SegmentWriter } from '../../../server/store/archive/frames.ts';
import { removeTempDirs, tempDir } from './fixtures.ts';

afterAll(removeTempDirs);

/** A record's steps as the spill writes them: each output the one before plus a field. */
function stepsJson(record: number, steps: number): Buffer {
  const rows: unknown[] = [];
  const data: Record<string, unknown> = { id: record, name: `Person ${record}`, email: `p${record}@example.com` };
  for (let s = 1; s <= steps; s++) {
    data[`f${s}`] = record * s + 7;
    rows.push([record, s, s, `s${s}`, 'core.set-fields', 1, 'success', null, s - 1, [{ port: 'out', data: { ...data } }], null, [], '2026-12-05T08:52:14.901Z', '2026-12-05T08:52:14.904Z', 3]);
  }
  return Buffer.from(JSON.stringify(rows), 'utf8');
}

describe('segment frames', () => {
  it('a record of ten steps takes a fraction of its bytes on disk and reads back byte for byte, next to small and incompressible frames', () => {
    const dir = tempDir();
    const w = new SegmentWriter(dir, 'steps');
    const payloads = [stepsJson(1, 10), Buffer.from('[]'), crypto.randomBytes(4096), stepsJson(2, 10)];
    const refs = payloads.map((p) => w.append(p));
    w.close();
    const file = path.join(dir, 'steps-0000.seg');
    const size = fs.statSync(file).size;
    const raw = payloads.reduce((n, p) => n + FRAME_HEAD + p.length, 0);
    // The two records shrink to well under half; the random bytes and the tiny payload stay as they are.
    expect(refs[0].length).toBeLessThan(payloads[0].length / 2);
    expect(refs[1].length).toBe(FRAME_HEAD + 2);
    expect(refs[2].length).toBe(FRAME_HEAD + 4096);
    expect(size).toBeLessThan(raw * 0.75);
    const r = new SegmentReader(dir);
    refs.forEach((ref, i) => expect(r.read('steps', ref).equals(payloads[i])).toBe(true));
    // Walking the file frame by frame (verify, restore) finds the same payloads at the same offsets.
    const walked = [...r.frames('steps-0000.seg')];
    expect(walked.map((f) => f.offset)).toEqual(refs.map((ref) => ref.offset));
    walked.forEach((f, i) => expect(f.payload.equals(payloads[i])).toBe(true));
    // So does the check of a whole segment read into memory.
    const buf = fs.readFileSync(file);
    const checked = frameIn(buf, refs[3].offset, refs[3].length);
    expect('payload' in checked && checked.payload.equals(payloads[3])).toBe(true);
    r.close();
  });

  it('a deflated frame whose checksum holds but whose bytes do not inflate is damage, named with its offset', () => {
    const dir = tempDir();
    const w = new SegmentWriter(dir, 'steps');
    const ok = w.append(stepsJson(1, 10));
    const bad = w.append(stepsJson(2, 10));
    w.close();
    const file = path.join(dir, 'steps-0000.seg');
    const buf = fs.readFileSync(file);
    // Garble the deflated bytes and write a checksum that matches them: only inflating can tell.
    const stored = buf.subarray(bad.offset + FRAME_HEAD, bad.offset + bad.length);
    stored.fill(0xff, 0, 16);
    buf.writeUInt32LE(crc32(stored, 0, stored.length), bad.offset + 4);
    fs.writeFileSync(file, buf);
    expect(frameIn(buf, bad.offset, bad.length)).toEqual({ reason: 'a deflated frame that cannot be inflated' });
    const r = new SegmentReader(dir);
    expect(r.read('steps', ok).equals(stepsJson(1, 10))).toBe(true);
    expect(() => r.read('steps', bad)).toThrow(ArchiveDamage);
    expect(() => r.read('steps', bad)).toThrow(`${file} at byte ${bad.offset}: a deflated frame that cannot be inflated`);
    r.close();
  });

  it('a frame written plain (repair pads a damaged frame to its exact length) stays plain', () => {
    const payload = Buffer.from('[]'.padEnd(600, ' '));
    expect(encodeFrame(payload).length).toBe(FRAME_HEAD + 600);
    expect(encodeFrame(payload, true).length).toBeLessThan(FRAME_HEAD + 60);
  });
});
