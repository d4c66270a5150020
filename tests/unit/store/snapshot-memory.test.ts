// A snapshot is a whole copy of the database (sql.js exports it into one array). The store holds
// that copy only while it writes it: it is written at once and its memory released, never kept
// while the journal goes on growing the database (issue 11: a 100,000-record run held the
// database up to four times). Asserted on the buffers themselves, not on RSS.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { checkSnapshot, SNAPSHOT_FILE, SNAPSHOT_TMP_FILE, writeSnapshot } from '../../../server/store/snapshot.ts';
import { loadSqlJs } from '../../../server/store/sqljs.ts';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import { recordData, removeTempDirs, runRow, stepRow, stepUpdate, tempDir } from './fixtures.ts';

afterAll(removeTempDirs);

describe('snapshot memory', () => {
  it('writes the bytes before it returns and releases them; the file checks and holds them', async () => {
    const dir = tempDir();
    // Random bytes do not deflate: stored as they are, the file is larger than the data.
    const bytes = new Uint8Array(crypto.randomBytes(300_000));
    const original = Buffer.from(bytes);
    const written = writeSnapshot(dir, bytes, 42);
    // Before any await: the data is on its way to disk and the caller's copy is gone.
    expect(bytes.byteLength).toBe(0);
    expect(fs.statSync(path.join(dir, SNAPSHOT_TMP_FILE)).size).toBeGreaterThan(original.length);
    await written;
    const check = checkSnapshot(fs.readFileSync(path.join(dir, SNAPSHOT_FILE)));
    expect(check.state).toBe('ok');
    if (check.state !== 'ok') return;
    expect(check.seq).toBe(42);
    expect(Buffer.from(check.bytes).equals(original)).toBe(true);
    expect(fs.existsSync(path.join(dir, SNAPSHOT_TMP_FILE))).toBe(false);
  });

  it('stores a database that repeats itself deflated, and reads it back byte for byte', async () => {
    const dir = tempDir();
    // 1 MB of rows that repeat each other, as a records table does, with a random chunk in the middle.
    const text = Array.from({ length: 12_000 }, (_, i) => `{"id":${i},"name":"Person ${i}","email":"p${i}@example.com","status":"success"}`).join('');
    const original = Buffer.concat([Buffer.from(text.slice(0, 500_000)), crypto.randomBytes(300_000), Buffer.from(text.slice(500_000))]);
    await writeSnapshot(dir, new Uint8Array(original), 7);
    const file = fs.readFileSync(path.join(dir, SNAPSHOT_FILE));
    expect(file.length).toBeLessThan(original.length * 0.6);
    const check = checkSnapshot(file);
    expect(check.state).toBe('ok');
    if (check.state !== 'ok') return;
    expect(check.seq).toBe(7);
    expect(Buffer.from(check.bytes).equals(original)).toBe(true);
  });

  describe('through the store', () => {
    let restore: (() => void) | null = null;
    afterEach(() => restore?.());

    it('holds no exported copy of the database once its snapshot is written, nor when the next write resolves', async () => {
      const SQL = await loadSqlJs();
      const proto = SQL.Database.prototype as { export(): Uint8Array };
      const exportDb = proto.export;
      const exports: Uint8Array[] = [];
      proto.export = function (this: unknown) {
        const out = exportDb.call(this);
        exports.push(out);
        return out;
      };
      restore = () => (proto.export = exportDb);

      const dir = tempDir();
      const held: number[] = [];
      const store = await openSqlJsStore(dir, {
        snapshotThresholdBytes: 16 * 1024,
        archiveAfterMs: null,
        onSnapshot: (e) => {
          if (e.phase === 'done') held.push(exports.reduce((n, b) => n + b.byteLength, 0));
        },
      });
      const records = 20;
      await store.createRun(runRow('r', 'f', '2024-01-01T00:00:00.000Z', records), Array.from({ length: records }, (_, i) => recordData(i)));
      let seq = 0;
      while (store.stats().snapshots < 3 && seq < 400) {
        seq++;
        await Promise.all(Array.from({ length: records }, (_, i) => store.commitStep(stepRow('r', i, seq), stepUpdate('r', i, seq))));
        // Each write resolves after its flush; a rotation's export is written and released in that flush.
        expect(exports.map((b) => b.byteLength)).toEqual(exports.map(() => 0));
      }
      expect(store.stats().snapshots).toBeGreaterThanOrEqual(3);
      await store.close();
      expect(held.length).toBeGreaterThanOrEqual(4);
      expect(held).toEqual(held.map(() => 0));
      expect(exports.every((b) => b.byteLength === 0)).toBe(true);

      // Released is not lost: the store reopens with every step.
      const again = await openSqlJsStore(dir, { archiveAfterMs: null });
      expect((await again.listSteps('r', records - 1)).length).toBe(seq);
      await again.close();
    });
  });
});
