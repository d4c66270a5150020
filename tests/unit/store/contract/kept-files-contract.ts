/** Contract: files chosen in node forms, kept by the SHA-256 of their bytes. */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoreHarness } from './harness.ts';
import { flowDoc, runRow } from '../fixtures.ts';
import type { FlowDocument } from '../../../../server/contract/flow/schema.ts';

/** A flow whose attach-file step names the kept file `sha256` (as the studio saves it: kept-file.ts). */
function flowNaming(id: string, sha256: string, size: number): FlowDocument {
  const doc = flowDoc(id);
  doc.nodes.push({ id: 'cv', type: 'browser.attach-file', position: { x: 400, y: 0 }, params: { encoding: 'chosen_file', file: { name: 'cv.pdf', type: 'application/pdf', size, sha256 } } });
  return doc;
}

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

    it('lists kept files with size and time (kept again: renewed), deletes one, and tells which a saved flow or a run\'s flow copy names', async () => {
      let store = await h.open();
      try {
        const bytes = (s: string) => Buffer.from(s.repeat(100));
        const [inFlow, inRun, loose] = await Promise.all(['flow', 'run', 'loose'].map((s) => store.putKeptFile(bytes(s))));
        const before = await store.listKeptFiles();
        expect(before.map((k) => k.sha256).sort()).toEqual([inFlow, inRun, loose].sort());
        expect(before.find((k) => k.sha256 === inRun)?.bytes).toBe(300);
        // A flow names one; a run's copy of a flow names another (its flow was saved without it since).
        await store.putFlow(flowNaming('f1', inFlow, 400));
        await store.createRun({ ...runRow('r1', 'f2', '2026-01-01T00:00:00.000Z', 0), flow: flowNaming('f2', inRun, 300) }, []);
        await store.putFlow(flowDoc('f2'));
        expect([...(await store.namedKeptFiles([inFlow, inRun, loose, 'f'.repeat(64)]))].sort()).toEqual([inFlow, inRun].sort());
        expect(await store.namedKeptFiles([])).toEqual(new Set());

        // Kept again (the same file chosen again): its time renewed.
        const keptAt = Date.parse(before.find((k) => k.sha256 === loose)!.keptAt);
        await new Promise((r) => setTimeout(r, 20));
        await store.putKeptFile(bytes('loose'));
        expect(Date.parse((await store.listKeptFiles()).find((k) => k.sha256 === loose)!.keptAt)).toBeGreaterThan(keptAt);

        expect(await store.deleteKeptFile(loose)).toBe(true);
        expect(await store.deleteKeptFile(loose)).toBe(false);
        expect(await store.deleteKeptFile('../x')).toBe(false);
        store = await h.reopen(store);
        expect(await store.readKeptFile(loose)).toBeNull();
        expect((await store.listKeptFiles()).map((k) => k.sha256).sort()).toEqual([inFlow, inRun].sort());
        expect((await store.readKeptFile(inRun))?.equals(bytes('run'))).toBe(true);
      } finally {
        await store.close();
      }
    });
  });
}
