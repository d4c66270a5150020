/**
 * Damage at random places: a real store (finished runs whose steps were spilled, one run archived,
 * one left in the journal by a crash, snapshots taken on the way) gets one byte flipped, a file cut
 * short, a 4 KiB block zeroed or a file deleted — a file and a place picked at random, each kind of
 * file as likely as another — and is opened and read whole. Every trial must be refused with a coded
 * error or read exactly as before; the one exception is the last journal file cut short, which is what
 * a crash mid-write leaves: its torn end is dropped, and that is logged. (Found this way: a deleted
 * journal file opened silently as of the snapshot.)
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../../nodes/index.ts';
import { Engine } from '../../../server/engine/engine.ts';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import { readFrameAt } from '../../../server/store/journal.ts';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';

const dirs: string[] = [];
const temp = (prefix: string) => {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function flow(id: string): FlowDocument {
  const nodes: FlowDocument['nodes'] = [{ id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: {} }];
  const edges: FlowDocument['edges'] = [];
  for (let i = 1; i <= 3; i++) {
    nodes.push({ id: `s${i}`, type: 'core.set-fields', position: { x: i * 220, y: 0 }, params: { fields: [{ name: `f${i}`, value: `n * ${i}` }], keepOtherFields: true } });
    edges.push({ id: `e${i}`, source: i === 1 ? 'trigger' : `s${i - 1}`, sourcePort: 'out', target: `s${i}`, targetPort: 'in' });
  }
  return { format: FLOW_FORMAT, id, name: `Flow ${id}`, description: '', settings: { concurrency: 8 }, nodes, edges };
}

/** The folder of a store as a crash leaves it: three runs (the first archived, the last only in the journal). */
async function build(dir: string): Promise<void> {
  const store = await openSqlJsStore(path.join(dir, 'store'), { snapshotThresholdBytes: 64 * 1024, onWarning: () => undefined });
  const engine = new Engine({ store, registry: createRegistry(), dataDir: dir });
  const ids: string[] = [];
  // The second run is long enough for its finished records' steps to move to step segments (SPILL_BATCH).
  for (const [r, records] of [300, 1100, 300].entries()) {
    const input = Array.from({ length: records }, (_, i) => ({ id: i, name: `Person ${i}`, n: i }));
    const run = await engine.startRun(flow(`flow${r}`), { input: { records: input } });
    await engine.waitForRun(run.id);
    ids.push(run.id);
    if (r === 0) await store.archiveRun(run.id);
  }
  await engine.shutdown();
  await store.kill();
}

/** A hash of everything the store serves: runs, records, steps, events, logs, timings. */
async function readAll(dir: string, warnings: string[]): Promise<string> {
  const store = await openSqlJsStore(path.join(dir, 'store'), { onWarning: (m) => warnings.push(m), archiveAfterMs: null });
  try {
    const h = createHash('sha256');
    const runs = await store.listRuns({ limit: 100 });
    h.update(JSON.stringify(runs.map((r) => [r.id, r.status, r.recordCount])));
    for (const run of runs) {
      const records = await store.listRecords(run.id, { limit: 2000 });
      for (const rec of records.items) {
        h.update(JSON.stringify([rec.index, rec.status, rec.data, rec.output, rec.error]));
        h.update(JSON.stringify((await store.listSteps(run.id, rec.index)).map((s) => [s.seq, s.nodeId, s.status, s.output, s.input])));
      }
      h.update(JSON.stringify([await store.stepCounts(run.id), await store.stepTimings(run.id), await store.recordTimings(run.id)]));
      h.update(JSON.stringify([(await store.listRunEvents(run.id, { limit: 10_000 })).items, (await store.listLogs(run.id, { limit: 10_000 })).items]));
    }
    return h.digest('hex');
  } finally {
    await store.close().catch(() => undefined);
  }
}

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.endsWith('.lock'))
    .map((e) => path.join(e.parentPath, e.name))
    .filter((f) => statSync(f).size > 0);
}

/** Where a journal file's whole frames end (0, before the first, included): a cut there leaves no torn frame. */
function frameEnds(bytes: Buffer): Set<number> {
  const ends = new Set([0]);
  for (let f = readFrameAt(bytes, 0); f; f = readFrameAt(bytes, f.end)) ends.add(f.end);
  return ends;
}

describe('damage at random places in a store', () => {
  it('every kind of file, flipped byte, cut short, 4 KiB zeroed or deleted: each refused with a coded error or read exactly as before', async () => {
    const base = temp('conveyor-damage-base-');
    await build(base);
    const pristine = temp('conveyor-damage-truth-');
    cpSync(base, pristine, { recursive: true });
    const truth = await readAll(pristine, []);
    const all = files(base);
    // The kinds of file a store holds, each picked as often as another (not by size).
    const kinds = new Map<string, string[]>();
    for (const f of all) {
      const kind = path.basename(f).replace(/\d+/g, 'N');
      kinds.set(kind, [...(kinds.get(kind) ?? []), f]);
    }
    expect([...kinds.keys()].sort()).toEqual(expect.arrayContaining(['conveyor.db', 'journal-N.log', 'steps-N.seg', 'records-N.seg', 'manifest.bin', 'index.bin']));
    let seed = 20261206;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(list: T[]): T => list[Math.floor(rand() * list.length)];
    const outcomes: string[] = [];
    const silent: string[] = [];
    // Every kind of file meets every kind of damage, at a place picked at random.
    const trials = [...kinds.values()].flatMap((list) => (['flip', 'cut', 'zero', 'delete'] as const).map((mode) => ({ mode, file: pick(list) })));
    for (const { mode, file } of trials) {
      const rel = path.relative(base, file);
      const dir = temp('conveyor-damage-trial-');
      cpSync(base, dir, { recursive: true });
      const target = path.join(dir, rel);
      const bytes = readFileSync(target);
      const at = Math.floor(rand() * bytes.length);
      const lastJournal = /^journal-/.test(path.basename(rel)) && path.basename(rel) === all.map((f) => path.basename(f)).filter((n) => n.startsWith('journal-')).sort().at(-1);
      // The last journal cut where a frame ends is what a crash between two group commits leaves:
      // nothing in the files tells that entries came after (seen once in 16 builds: their layout varies).
      const betweenFrames = mode === 'cut' && lastJournal && frameEnds(bytes).has(at);
      if (mode === 'flip') bytes[at] ^= 1 + Math.floor(rand() * 255);
      // Zeros to the end of the file: what a crash mid-write can leave (the file grew, its bytes never came).
      let zeroedToEnd = false;
      if (mode === 'zero') {
        const from = at & ~4095;
        const to = Math.min(bytes.length, from + 4096);
        zeroedToEnd = to === bytes.length;
        if (bytes.subarray(from, to).every((b) => b === 0)) bytes[at] = 0x55;
        else bytes.fill(0, from, to);
      }
      if (mode === 'delete') rmSync(target);
      else writeFileSync(target, mode === 'cut' ? bytes.subarray(0, at) : bytes);
      const warnings: string[] = [];
      let outcome: string;
      try {
        const got = await readAll(dir, warnings);
        outcome = got === truth ? 'same' : 'different';
      } catch (err) {
        const code = (err as { code?: string }).code;
        outcome = code ? `refused ${code}` : `uncoded: ${(err as Error).message}`;
      }
      const what = `${mode} ${path.basename(rel)} at ${at}: ${outcome}`;
      outcomes.push(what);
      // A journal cut short, or ending in zeros, is a torn write: its end is dropped (never acknowledged), saying so.
      const tornTail = (mode === 'cut' || zeroedToEnd) && /^journal-/.test(path.basename(rel)) && warnings.some((w) => w.includes('Dropped the torn end'));
      if (outcome === 'different' ? !tornTail && !betweenFrames : outcome.startsWith('uncoded')) silent.push(what);
      rmSync(dir, { recursive: true, force: true });
    }
    expect(silent, outcomes.join('\n')).toEqual([]);
    // The campaign reached the kinds of damage it is for.
    expect(outcomes.length).toBeGreaterThanOrEqual(36);
    expect(outcomes.filter((o) => o.includes('refused E_STORE_DAMAGED')).length).toBeGreaterThan(outcomes.length / 2);
  }, 240_000);
});
