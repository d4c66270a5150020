/**
 * Evidence files and uploads carry the SHA-256 recorded when they were written: a flipped byte, a
 * cut file or a deleted one is refused with its code when served or read by a run, reported by
 * `store verify`, moved aside by `store repair` (the record then says it is gone), refuses a backup
 * and a restore; files written before checksums are still served (reported unchecked).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evidenceSink } from '../../../server/engine/evidence.ts';
import { ConveyorError } from '../../../server/errors.ts';
import { startServer, type RunningServer } from '../../../server/main.ts';
import { backupStore, repairStore, restoreStore, verifyStore } from '../../../server/store/maintenance.ts';
import { KeptFilesOnDisk } from '../../../server/store/kept-files.ts';
import { recordData, runRow, stepRow, stepUpdate } from './fixtures.ts';

const FLOW = JSON.parse(fs.readFileSync('flows/spreadsheet-contacts.json', 'utf8'));
const CONTACTS_CSV = fs.readFileSync('flows/samples/contacts.csv');
const dirs: string[] = [];
const servers: RunningServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close().catch(() => undefined);
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.push(d);
  return d;
}

async function serve(dataDir: string): Promise<RunningServer> {
  const s = await startServer({ port: 0, dataDir, clientDir: path.join(dataDir, 'no-client') });
  servers.push(s);
  return s;
}

async function json(s: RunningServer, method: string, url: string, body?: unknown) {
  const res = await fetch(s.url + url, {
    method,
    headers: method === 'GET' ? {} : { origin: s.url, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : null };
}

async function upload(s: RunningServer, name: string, body: Buffer): Promise<string> {
  const res = await fetch(`${s.url}/api/uploads?name=${name}`, { method: 'POST', body: new Uint8Array(body) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** A fake PNG: bytes a damaged copy of which must never reach a client. */
const screenshot = (seed: number) => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.alloc(4000, seed)]);

const flip = (file: string) => {
  const b = fs.readFileSync(file);
  b[Math.floor(b.length / 2)] ^= 0x01;
  fs.writeFileSync(file, b);
};
const cut = (file: string) => fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2));
const DAMAGE = { flipped: flip, truncated: cut, deleted: (f: string) => fs.rmSync(f) } as const;

function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const p = path.join(dir, f);
    if (fs.statSync(p).isFile() && !f.endsWith('conveyor.lock')) out[f] = createHash('sha256').update(fs.readFileSync(p)).digest('hex');
  }
  return out;
}

// Timeouts: a studio start, a backup and restores, on a machine shared with other test runs.
const SLOW = 180_000;

describe('evidence and uploads, every byte checked', () => {
  let dataDir: string;
  let evidenceDir: string;
  let s1: RunningServer;
  let healthyBackup: string;
  const refs: Record<string, string> = {};
  const ups: Record<string, string> = {};

  // One data folder: per kind one intact file, one per damage (flipped, truncated, deleted), one written before checksums.
  beforeAll(async () => {
    dataDir = tempDir('conveyor-sums-');
    evidenceDir = path.join(dataDir, 'evidence');
    s1 = await serve(dataDir);
    expect((await json(s1, 'POST', '/api/flows/import', FLOW)).status).toBe(201);

    // Evidence as a failing browser step attaches it.
    const collect: string[] = [];
    for (const [i, name] of ['intact', 'flipped', 'truncated', 'deleted'].entries()) {
      refs[name] = await evidenceSink(evidenceDir, 'run_e', i, collect).attach(`${name}.png`, screenshot(i + 1), 'image/png');
    }
    expect(collect).toEqual(Object.values(refs));
    const sidecar = JSON.parse(fs.readFileSync(path.join(evidenceDir, 'run_e', `.${refs.intact.split('/')[1]}.sum`), 'utf8'));
    expect(sidecar).toEqual({ algorithm: 'sha256', bytes: 4004, sha256: createHash('sha256').update(screenshot(1)).digest('hex') });
    fs.writeFileSync(path.join(evidenceDir, 'run_e', '9-old-shot.png'), screenshot(9)); // an older version's: no record

    // Uploads: the same, through the API; an older version's meta has no checksum.
    for (const name of ['intact', 'flipped', 'truncated', 'deleted', 'old']) ups[name] = await upload(s1, `${name}.csv`, CONTACTS_CSV);
    const oldMeta = path.join(dataDir, 'uploads', `${ups.old}.json`);
    const { name: oldName, size, uploadedAt } = JSON.parse(fs.readFileSync(oldMeta, 'utf8'));
    fs.writeFileSync(oldMeta, JSON.stringify({ id: ups.old, name: oldName, size, uploadedAt }));

    // A backup while healthy (to restore a damaged copy of later).
    healthyBackup = path.join(tempDir('conveyor-sums-bk-'), 'b');
    await backupStore(dataDir, healthyBackup);

    for (const [how, damage] of Object.entries(DAMAGE)) {
      damage(path.join(evidenceDir, refs[how]));
      damage(path.join(dataDir, 'uploads', ups[how]));
    }
  }, SLOW);

  it('serves intact and old evidence; refuses damaged, cut and deleted evidence with E_EVIDENCE_DAMAGED naming the file, never its bytes', async () => {
    // Served: intact and old ones as they are; damaged ones refused with their code, never their bytes.
    for (const name of ['intact', 'old']) {
      const ref = name === 'old' ? 'run_e/9-old-shot.png' : refs.intact;
      const ok = await fetch(`${s1.url}/api/evidence/${ref}`);
      expect(ok.status, name).toBe(200);
      expect(Buffer.from(await ok.arrayBuffer()).equals(screenshot(name === 'old' ? 9 : 1))).toBe(true);
    }
    const reasons = { flipped: /do not match the SHA-256/, truncated: /holds 2002 bytes where 4004 were written \(cut short\)/, deleted: /written \(4004 bytes\) but the file is gone/ };
    for (const how of ['flipped', 'truncated', 'deleted'] as const) {
      const r = await json(s1, 'GET', `/api/evidence/${refs[how]}`);
      expect(r.status, how).toBe(500);
      expect(r.body.error).toMatchObject({ code: 'E_EVIDENCE_DAMAGED', file: refs[how], state: how === 'deleted' ? 'missing' : 'damaged', message: expect.stringMatching(reasons[how]) });
      expect(r.body.error.message).toContain(refs[how]);
      expect(r.body.error.hint).toMatch(/store verify.*store repair/);
      expect(r.text).not.toContain('PNG');
    }
    expect((await json(s1, 'GET', '/api/evidence/run_e/nothing.png')).body.error.code).toBe('E_EVIDENCE_NOT_FOUND');
  });

  it('refuses a run or a dry check over a damaged, cut or deleted upload with E_UPLOAD_DAMAGED (no run starts); intact and old uploads are read', async () => {
    // Read by a run (and by a dry check): refused before anything runs; intact and old ones run.
    const upReasons = { flipped: /do not match the SHA-256/, truncated: /cut short/, deleted: /but the file is gone/ };
    for (const how of ['flipped', 'truncated', 'deleted'] as const) {
      const run = await json(s1, 'POST', '/api/runs', { flowId: FLOW.id, input: { fileId: ups[how] } });
      expect(run.status, how).toBe(500);
      expect(run.body.error).toMatchObject({ code: 'E_UPLOAD_DAMAGED', file: ups[how], message: expect.stringMatching(upReasons[how]) });
      expect(run.body.error.message).toContain(`"${how}.csv" (${ups[how]})`);
      const dry = await json(s1, 'POST', `/api/flows/${FLOW.id}/preflight`, { input: { fileId: ups[how] } });
      expect(dry.body.error.code, how).toBe('E_UPLOAD_DAMAGED');
    }
    expect((await json(s1, 'GET', `/api/runs?flowId=${FLOW.id}`)).body).toEqual([]);
    for (const name of ['intact', 'old']) {
      const dry = await json(s1, 'POST', `/api/flows/${FLOW.id}/preflight`, { input: { fileId: ups[name] } });
      expect(dry.body, name).toMatchObject({ canStart: true, recordCount: 5 });
    }
    await s1.close();
  }, SLOW);

  it('store verify reports each damaged and missing file (run, record), counts the unchecked ones, changes nothing', async () => {
    const before = fingerprint(dataDir);
    const v = await verifyStore(dataDir);
    expect(v.healthy).toBe(false);
    const text = v.lines.join('\n');
    expect(text).toMatch(/evidence: 5 files, 1 checked ok, 1 unchecked \(written before checksums: served as they are\), 2 DAMAGED, 1 MISSING/);
    expect(text).toMatch(/uploads: 5 files, 1 checked ok, 1 unchecked .*, 2 DAMAGED, 1 MISSING/);
    expect(text).toContain(`evidence ${refs.flipped} (run run_e, record 1): DAMAGED: its bytes do not match`);
    expect(text).toContain(`evidence ${refs.truncated} (run run_e, record 2): DAMAGED: it holds 2002 bytes where 4004 were written (cut short)`);
    expect(text).toContain(`evidence ${refs.deleted} (run run_e, record 3): MISSING`);
    expect(text).toContain(`upload ${ups.truncated}: DAMAGED`);
    expect(text).toMatch(/Damaged: 3 evidence files and 3 uploaded files\. The studio refuses to serve or read them/);
    expect(fingerprint(dataDir)).toEqual(before);
  }, SLOW);

  it('store backup refuses damaged files (nothing left in its folder); store restore refuses a backup with a damaged or missing one', async () => {
    const refused = path.join(tempDir('conveyor-sums-bk-'), 'b');
    await expect(backupStore(dataDir, refused)).rejects.toMatchObject({ code: 'E_STORE_DAMAGED', message: expect.stringMatching(/no backup was taken/) });
    expect(fs.readdirSync(refused)).toEqual([]);

    // A restore of a backup whose evidence or upload is damaged is refused, for each damage.
    for (const [how, damage] of Object.entries(DAMAGE)) {
      for (const kind of ['evidence', 'uploads'] as const) {
        const copy = path.join(tempDir('conveyor-sums-bk-'), 'b');
        fs.cpSync(healthyBackup, copy, { recursive: true });
        damage(path.join(copy, kind, kind === 'evidence' ? refs[how] : ups[how]));
        const target = tempDir('conveyor-sums-restore-');
        const err = await restoreStore(target, copy).catch((e: unknown) => e);
        expect(err, `${how} ${kind}`).toBeInstanceOf(ConveyorError);
        expect((err as ConveyorError).code).toBe('E_BACKUP_INVALID');
        expect((err as ConveyorError).message).toContain(kind === 'evidence' ? refs[how] : ups[how]);
        expect(fs.readdirSync(target)).toEqual([]);
      }
    }
    const restored = tempDir('conveyor-sums-restore-');
    await restoreStore(restored, healthyBackup); // the healthy one restores
  }, SLOW);

  it('store repair moves them aside (never deletes), prints what was lost, and their records say they are gone', async () => {
    const now = new Date('2026-01-02T03:04:05.000Z');
    const r = await repairStore(dataDir, { now });
    expect(r.changed).toBe(true);
    expect(r.lostFiles.map((l) => [l.kind, l.ref, l.state])).toEqual([
      ['evidence', refs.deleted, 'missing'],
      ['evidence', refs.flipped, 'damaged'],
      ['evidence', refs.truncated, 'damaged'],
      ['upload', ups.deleted, 'missing'],
      ['upload', ups.flipped, 'damaged'],
      ['upload', ups.truncated, 'damaged'],
    ].sort((a, b) => (a[0] + a[1]).localeCompare(b[0] + b[1])));
    const aside = r.asideDir!;
    expect(aside).toBe(path.join(dataDir, 'store', 'damaged-2026-01-02T03-04-05-000Z'));
    for (const how of ['flipped', 'truncated'] as const) {
      expect(fs.existsSync(path.join(aside, 'evidence', refs[how])), how).toBe(true);
      expect(fs.existsSync(path.join(aside, 'uploads', ups[how])), how).toBe(true);
      expect(fs.existsSync(path.join(evidenceDir, refs[how]))).toBe(false);
    }
    const lines = r.lines.join('\n');
    expect(lines).toContain(`Evidence ${refs.flipped} (run run_e, record 1) was damaged (its bytes do not match the SHA-256 recorded when it was written): lost, moved to ${path.join(aside, 'evidence', refs.flipped)}`);
    expect(lines).toContain(`Upload ${ups.deleted} was missing`);
    expect(lines).toContain("Written to the audit trail: one 'files.lost' entry per run");
    expect(fs.readFileSync(path.join(aside, 'repair-report.txt'), 'utf8')).toContain(refs.truncated);
    // The records say they are gone; verify is content again; intact and old files untouched.
    const mark = JSON.parse(fs.readFileSync(path.join(evidenceDir, 'run_e', `.${refs.flipped.split('/')[1]}.sum`), 'utf8'));
    expect(mark.lost).toMatchObject({ at: now.toISOString(), movedTo: path.join(aside, 'evidence', refs.flipped) });
    const after = await verifyStore(dataDir);
    expect(after.healthy).toBe(true);
    expect(after.lines.join('\n')).toMatch(/evidence: 5 files, 1 checked ok, 1 unchecked .*, 3 moved aside by an earlier repair/);
    expect((await repairStore(dataDir)).changed).toBe(false);
  }, SLOW);

  it('after repair the studio answers 410 "moved aside" for them, and still serves the intact and old ones', async () => {
    const s2 = await serve(dataDir);
    const gone = await json(s2, 'GET', `/api/evidence/${refs.truncated}`);
    expect(gone.status).toBe(410);
    expect(gone.body.error).toMatchObject({ code: 'E_EVIDENCE_DAMAGED', state: 'lost', message: expect.stringMatching(/is gone: store repair moved it aside into store\/damaged-2026-01-02T03-04-05-000Z\/ on 2026-01-02T03:04:05.000Z/) });
    const goneUpload = await json(s2, 'POST', '/api/runs', { flowId: FLOW.id, input: { fileId: ups.flipped } });
    expect(goneUpload.status).toBe(410);
    expect(goneUpload.body.error).toMatchObject({ code: 'E_UPLOAD_DAMAGED', state: 'lost' });
    // The audit trail says what repair lost: one row for the run's evidence, one for the uploads.
    const audit = (await json(s2, 'GET', '/api/audit?limit=20')).body.items.filter((e: { action: string }) => e.action === 'files.lost');
    expect(audit).toHaveLength(2);
    const byRun = (runId: string | null) => audit.find((e: { runId: string | null }) => e.runId === runId);
    expect(byRun('run_e')).toMatchObject({ actor: 'cli', records: 3, bytes: 3 * 4004 });
    expect(byRun('run_e').detail.files.map((f: { ref: string; state: string }) => `${f.ref} ${f.state}`).sort()).toEqual([`${refs.deleted} missing`, `${refs.flipped} damaged`, `${refs.truncated} damaged`].sort());
    expect(byRun(null)).toMatchObject({ actor: 'cli', records: 3, detail: { repair: 'damaged evidence or uploads', files: expect.arrayContaining([expect.objectContaining({ kind: 'upload', ref: ups.flipped, movedTo: expect.stringContaining('damaged-2026-01-02T03-04-05-000Z') })]) } });
    expect((await fetch(`${s2.url}/api/evidence/run_e/9-old-shot.png`)).status).toBe(200);
    expect((await fetch(`${s2.url}/api/evidence/${refs.intact}`)).status).toBe(200);
    const run = await json(s2, 'POST', '/api/runs', { flowId: FLOW.id, input: { fileId: ups.old } });
    expect(run.status).toBe(201);
  }, SLOW);

  it("a record's page names the evidence of its steps that cannot be shown whole, instead of linking it", async () => {
    // The studio started after the repair (the test before), still open.
    const s3 = servers[servers.length - 1];
    const store = s3.conveyor.store;
    await store.createRun(runRow('run_e', FLOW.id, '2024-01-01T00:00:00.000Z', 1), [recordData(0)]);
    await store.commitStep({ ...stepRow('run_e', 0, 1), evidence: [...Object.values(refs), 'run_e/9-old-shot.png'] }, stepUpdate('run_e', 0, 1));
    const r = await json(s3, 'GET', '/api/runs/run_e/records/0');
    expect(r.status).toBe(200);
    expect(r.body.steps[0].evidence).toHaveLength(5);
    // After the repair: the intact file and the one written before checksums are served (not named); the others were moved aside.
    expect(r.body.damagedEvidence).toEqual(
      ['flipped', 'truncated', 'deleted'].map((how) => ({ ref: refs[how], state: 'lost', message: expect.stringMatching(/^The evidence file ".*" is gone: store repair moved it aside/) })),
    );
  });
});

describe('a data folder without an embedded store (the PostgreSQL store keeps runs in the database, evidence and uploads on disk)', () => {
  it('store verify reports its damaged evidence and store repair moves it into DATA_DIR/damaged-<time>/ without creating a store', async () => {
    const dataDir = tempDir('conveyor-sums-pg-');
    const evidenceDir = path.join(dataDir, 'evidence');
    const ref = await evidenceSink(evidenceDir, 'run_p', 7, []).attach('failed.png', screenshot(7), 'image/png');
    const ok = await evidenceSink(evidenceDir, 'run_p', 8, []).attach('ok.png', screenshot(8), 'image/png');
    flip(path.join(evidenceDir, ref));
    const v = await verifyStore(dataDir);
    expect(v).toMatchObject({ empty: true, healthy: false });
    expect(v.lines.join('\n')).toContain(`evidence ${ref} (run run_p, record 7): DAMAGED`);
    // The CLI: exit 1, and in --json each file with its state.
    const cli = spawnSync(process.execPath, ['bin/conveyor.js', 'store', 'verify', '--json', '--data-dir', dataDir], { encoding: 'utf8', env: { ...process.env, CONVEYOR_FROM_SOURCE: '1' }, timeout: 120_000 });
    expect(cli.status).toBe(1);
    expect(JSON.parse(cli.stdout).dataFiles).toEqual([
      { kind: 'evidence', ref, file: path.join(evidenceDir, ref), state: 'damaged', reason: 'its bytes do not match the SHA-256 recorded when it was written' },
      { kind: 'evidence', ref: ok, file: path.join(evidenceDir, ok), state: 'ok', reason: null },
    ]);
    const now = new Date('2026-02-03T04:05:06.000Z');
    const r = await repairStore(dataDir, { now });
    expect(r.asideDir).toBe(path.join(dataDir, 'damaged-2026-02-03T04-05-06-000Z'));
    expect(r.lostFiles).toEqual([{ kind: 'evidence', ref, state: 'damaged', reason: expect.stringMatching(/do not match/), movedTo: path.join(r.asideDir!, 'evidence', ref), bytes: 4004 }]);
    expect(fs.existsSync(path.join(dataDir, 'store'))).toBe(false);
    expect(fs.readFileSync(path.join(r.asideDir!, 'evidence', ref)).length).toBe(4004);
    expect(fs.readFileSync(path.join(evidenceDir, ok)).equals(screenshot(8))).toBe(true);
    expect((await verifyStore(dataDir)).healthy).toBe(true);
  }, SLOW);
});

describe('kept files (chosen in node forms), named by their SHA-256', () => {
  it('store verify reports a damaged one, store repair moves it aside, and a read no longer finds it', async () => {
    const dataDir = tempDir('conveyor-sums-kept-');
    const kept = new KeptFilesOnDisk(dataDir);
    const intact = await kept.put(Buffer.from('a CV'));
    const damaged = await kept.put(Buffer.from('another CV, changed on disk later'));
    flip(path.join(dataDir, 'kept-files', damaged));
    const v = await verifyStore(dataDir);
    expect(v.healthy).toBe(false);
    expect(v.lines.join('\n')).toContain('kept files (chosen in node forms): 2 files, 1 checked ok, 1 DAMAGED');
    expect(v.lines.join('\n')).toContain(`kept-file ${damaged}: DAMAGED: its bytes hash to`);
    expect(v.lines.join('\n')).toMatch(/Damaged: 1 kept file\./);
    const r = await repairStore(dataDir, { now: new Date('2026-02-03T04:05:06.000Z') });
    expect(r.lostFiles).toEqual([{ kind: 'kept-file', ref: damaged, state: 'damaged', reason: expect.stringContaining('hash to'), movedTo: path.join(r.asideDir!, 'kept-files', damaged), bytes: 0 }]);
    expect((await verifyStore(dataDir)).healthy).toBe(true);
    expect(await kept.read(damaged)).toBeNull();
    expect((await kept.read(intact))?.toString()).toBe('a CV');
  }, SLOW);
});
