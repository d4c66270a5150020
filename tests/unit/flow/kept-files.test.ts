import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../../nodes/index.ts';
import { validateFlow } from '../../../server/flow/validate.ts';
import { openConveyor, type Conveyor } from '../../../server/conveyor.ts';
import { KEPT_FILES_DIR, KeptFilesOnDisk } from '../../../server/store/kept-files.ts';
import { repairStore, verifyStore } from '../../../server/store/maintenance.ts';
import { MAX_KEPT_FILE_BYTES } from '../../../nodes/sdk/kept-file.ts';
import { failureOf } from '../../../nodes/sdk/testing.ts';
import { flow } from '../engine/harness.ts';

/**
 * A file chosen in a step's form (Browser: attach file's Chosen file): the studio keeps its bytes
 * apart, by SHA-256 — the saved flow and every run name it only, so a run copies no file and the
 * store's memory never holds one — and an export carries the bytes, so the flow imports into another
 * studio whole. A flow naming a file the studio does not keep, or whose bytes do not match, is refused.
 */
const registry = createRegistry();
const bytes = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from([0, 0xff, 0x80, 0x7f]), Buffer.alloc(3000, 1)]);
const sha256 = createHash('sha256').update(bytes).digest('hex');
const inFile = { name: 'cv.pdf', type: 'application/pdf', size: bytes.length, base64: bytes.toString('base64') };
const withFile = (file: unknown, id = 'f1') => ({
  ...flow(
    [
      ['trigger', 'core.manual-trigger', { format: 'json', records: '[{"n":1}]' }],
      ['attach', 'browser.attach-file', { selectors: ['input[type=file]'], encoding: 'chosen_file', file }],
    ],
    [['trigger', 'attach']],
  ),
  id,
});
const fileOf = (doc: { nodes: Array<{ id: string; params: Record<string, unknown> }> }) => doc.nodes.find((n) => n.id === 'attach')!.params.file as Record<string, unknown>;

const dirs: string[] = [];
const opened: Conveyor[] = [];
async function studio(): Promise<{ c: Conveyor; dir: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-kept-'));
  dirs.push(dir);
  const c = await openConveyor(dir);
  opened.push(c);
  return { c, dir };
}
afterAll(async () => {
  for (const c of opened) await c.close().catch(() => undefined);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('files chosen in a step\'s form', () => {
  it('the flow check takes a file by its bytes or its SHA-256, and refuses one with neither, with bytes that do not match its size, or over 10 MB', () => {
    const problems = (file: unknown) => {
      const r = validateFlow(withFile(file), registry);
      return r.ok ? '' : r.problems.map((p) => `${p.path} ${p.message}`).join('\n');
    };
    expect(problems(inFile)).toBe('');
    expect(problems({ name: 'cv.pdf', size: bytes.length, sha256 })).toBe('');
    expect(problems({ name: 'cv.pdf', size: 3 })).toMatch(/nodes\[1\]\.params\.file.*choose the file again/);
    expect(problems({ ...inFile, base64: inFile.base64.slice(0, -4) })).toMatch(/nodes\[1\]\.params\.file.*do not match its size/);
    expect(problems({ ...inFile, base64: `${inFile.base64.slice(0, -4)}!!!!` })).toMatch(/nodes\[1\]\.params\.file.*base64/);
    const big = Buffer.alloc(MAX_KEPT_FILE_BYTES + 3);
    expect(problems({ ...inFile, size: big.length, base64: big.toString('base64') })).toMatch(/nodes\[1\]\.params\.file/);
  });

  it('is kept apart on import and named by its SHA-256; the export carries the bytes, and another studio imports it whole', async () => {
    const a = await studio();
    const saved = await a.c.flows.import(withFile(inFile));
    expect(fileOf(saved.flow)).toEqual({ name: 'cv.pdf', type: 'application/pdf', size: bytes.length, sha256 });
    expect(readFileSync(path.join(a.dir, KEPT_FILES_DIR, sha256)).equals(bytes)).toBe(true);
    // Saved again as the studio sends it (by its SHA-256): kept as it is.
    const again = await a.c.flows.save(saved.id, saved.flow);
    expect(fileOf(again.flow)).toEqual(fileOf(saved.flow));

    const exported = await a.c.flows.exported(saved.id);
    expect(Buffer.from(String(fileOf(exported).base64), 'base64').equals(bytes)).toBe(true);
    const b = await studio();
    const moved = await b.c.flows.import(JSON.parse(JSON.stringify(exported)));
    expect(fileOf(moved.flow)).toEqual(fileOf(saved.flow));
    expect((await b.c.store.readKeptFile(sha256))?.equals(bytes)).toBe(true);

    // A flow naming a file this studio does not keep: refused, naming where — nothing saved.
    const c = await studio();
    const refused = await failureOf(() => c.c.flows.import(withFile({ name: 'cv.pdf', size: bytes.length, sha256 }, 'f_named')));
    expect(refused.code).toBe('E_FLOW_INVALID');
    expect(refused.details.problems[0]).toMatchObject({ path: '$.nodes[1].params.file', message: expect.stringContaining('is not kept by this studio') });
    expect(await c.c.store.getFlow('f_named')).toBeNull();
    // Bytes that are not the ones their SHA-256 names (a flow file edited by hand): refused.
    const edited = await failureOf(() => c.c.flows.import(withFile({ ...inFile, sha256: '0'.repeat(64) }, 'f_edited')));
    expect(edited.details.problems[0].message).toContain('does not hold the bytes its SHA-256 names');
    // A size that is not the kept file's: refused too (the step would refuse every record).
    const resized = await failureOf(() => a.c.flows.import(withFile({ name: 'cv.pdf', size: bytes.length + 1, sha256 }, 'f_resized')));
    expect(resized.details.problems[0].message).toContain(`is said to hold ${bytes.length + 1} bytes`);
  });

  it('a run started from a flow file that carries the bytes (the CLI) keeps them apart too: the run names the file only', async () => {
    const { c, dir } = await studio();
    const run = await c.engine.startRun(withFile(inFile, 'f_cli'));
    await c.engine.waitForRun(run.id);
    expect(fileOf((await c.store.getRun(run.id))!.flow)).toEqual({ name: 'cv.pdf', type: 'application/pdf', size: bytes.length, sha256 });
    expect(existsSync(path.join(dir, KEPT_FILES_DIR, sha256))).toBe(true);
  });

  it('a kept file whose bytes changed on disk is refused when read (E_KEPT_FILE_DAMAGED), and a run of its flow is not started', async () => {
    const { c, dir } = await studio();
    const saved = await c.flows.import(withFile(inFile, 'f_damaged'));
    const file = path.join(dir, KEPT_FILES_DIR, sha256);
    const damaged = readFileSync(file);
    damaged[100] ^= 0x20;
    writeFileSync(file, damaged);
    expect(await failureOf(() => c.store.readKeptFile(sha256))).toMatchObject({ code: 'E_KEPT_FILE_DAMAGED', message: expect.stringContaining('is damaged') });
    expect(await failureOf(() => c.engine.startRun(saved.flow))).toMatchObject({ code: 'E_KEPT_FILE_DAMAGED' });
  });

  it('a kept file deleted from the data folder is reported by store verify, naming the flow and the run that use it; repair marks it gone, and choosing it again keeps it anew', async () => {
    const { c, dir } = await studio();
    const saved = await c.flows.import(withFile(inFile, 'f_gone'));
    const run = await c.engine.startRun(saved.flow);
    await c.engine.waitForRun(run.id);
    // Another flow, deleted since: what it named is nobody's concern.
    const other = Buffer.from('a file only a deleted flow chose');
    const deleted = await c.flows.import(withFile({ name: 'old.txt', type: 'text/plain', size: other.length, base64: other.toString('base64') }, 'f_deleted'));
    await c.flows.remove(deleted.id);
    // Verified beside the running studio (the flows and the run are in its journal), then once it is
    // closed (in its snapshot). Only the deleted flow's file gone: healthy.
    rmSync(path.join(dir, KEPT_FILES_DIR, createHash('sha256').update(other).digest('hex')));
    expect((await verifyStore(dir)).healthy).toBe(true);

    rmSync(path.join(dir, KEPT_FILES_DIR, sha256));
    const missing = new RegExp(`kept-file ${sha256}: MISSING: it is gone from kept-files/, and flow "[^"]+" \\(step "attach", file "cv.pdf"\\), run ${run.id} of "[^"]+" \\(step "attach", file "cv.pdf"\\) names it`);
    for (const when of ['running', 'closed']) {
      if (when === 'closed') await c.close();
      const v = await verifyStore(dir);
      expect(v.healthy, when).toBe(false);
      const said = v.lines.join('\n');
      expect(said, when).toMatch(missing);
      expect(said, when).toMatch(/Damaged: 1 kept file\./);
    }

    const r = await repairStore(dir, { now: new Date('2026-02-03T04:05:06.000Z') });
    expect(r.lostFiles).toEqual([{ kind: 'kept-file', ref: sha256, state: 'missing', reason: expect.stringContaining('gone from kept-files/'), movedTo: null, bytes: 0 }]);
    const repaired = await verifyStore(dir);
    expect(repaired.healthy).toBe(true);
    expect(repaired.lines.join('\n')).toContain(`kept-file ${sha256}: moved aside by store repair on 2026-02-03T04:05:06.000Z`);

    // The same file chosen again is kept anew; the mark goes.
    await new KeptFilesOnDisk(dir).put(bytes);
    const again = await verifyStore(dir);
    expect(again.healthy).toBe(true);
    expect(again.lines.join('\n')).toContain('kept files (chosen in node forms): 1 file, 1 checked ok');
    expect(existsSync(path.join(dir, KEPT_FILES_DIR, `.${sha256}.lost`))).toBe(false);
  });
});
