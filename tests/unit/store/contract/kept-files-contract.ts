/** Contract: files chosen in node forms, kept by the SHA-256 of their bytes. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoreHarness } from './harness.ts';

export function keptFilesContract(h: StoreHarness): void {
  describe('kept files', () => {
    it('keeps bytes under their SHA-256, once however often kept, read back exactly after a reopen; an unknown one is null', async () => {
      let store = await h.open();
      try {
        const bytes = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from([0, 0xff, 0x80]), Buffer.alloc(70_000, 7)]);
        const sha = createHash('sha256').update(bytes).digest('hex');
        expect(await store.putKeptFile(bytes)).toBe(sha);
        expect(await store.putKeptFile(Buffer.from(bytes))).toBe(sha);
        expect(await store.putKeptFile(Buffer.alloc(0))).toBe(createHash('sha256').update('').digest('hex'));
        store = await h.reopen(store);
        expect((await store.readKeptFile(sha))?.equals(bytes)).toBe(true);
        expect((await store.readKeptFile(createHash('sha256').update('').digest('hex')))?.length).toBe(0);
        expect(await store.readKeptFile('0'.repeat(64))).toBeNull();
        expect(await store.readKeptFile('../../etc/passwd')).toBeNull();
      } finally {
        await store.close();
      }
    });
  });
}
