import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../../../server/main.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scoringFlow, startTestServer } from './support.ts';

let s: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  s = await startTestServer();
  expect((await s.api('POST', '/api/flows/import', scoringFlow())).status).toBe(201);
  expect((await s.api('POST', '/api/flows/import', JSON.parse(readFileSync('flows/spreadsheet-contacts.json', 'utf8')))).status).toBe(201);
});
afterAll(async () => s && (await s.close()));

/** n > 5 succeed, the others wait in review. */
const people = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ n: from + i, email: `p${from + i}@example.com`, note: 'x'.repeat(200) }));

async function waitForStatus(id: string, statuses: string[], ms = 10_000) {
  const until = Date.now() + ms;
  for (;;) {
    const { body } = await s.api('GET', `/api/runs/${id}`);
    if (statuses.includes(body.status)) return body;
    if (Date.now() > until) throw new Error(`run ${id} stayed ${body.status}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function finishedRun(records: Array<Record<string, unknown>>, flowId = 'flow_scoring'): Promise<string> {
  const r = await s.api('POST', '/api/runs', { flowId, input: { records } });
  expect(r.status).toBe(201);
  await waitForStatus(r.body.id, ['completed']);
  return r.body.id;
}

async function upload(name: string, body: string): Promise<string> {
  const res = await fetch(`${s.url}/api/uploads?name=${encodeURIComponent(name)}`, { method: 'POST', body });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

const runIds = async () => ((await s.api('GET', '/api/runs')).body as Array<{ id: string }>).map((r) => r.id);
const age = (file: string, hours: number) => utimesSync(file, new Date(Date.now() - hours * 3600_000), new Date(Date.now() - hours * 3600_000));

describe('REST: storage and retention', () => {
  it('GET /api/storage lists every run with its size (store + evidence), biggest or oldest first, paged, with totals', async () => {
    const small = await finishedRun(people(6, 2));
    const big = await finishedRun(people(6, 40));
    mkdirSync(path.join(s.dataDir, 'evidence', small), { recursive: true });
    writeFileSync(path.join(s.dataDir, 'evidence', small, '0-shot.png'), Buffer.alloc(5000));

    const { status, body } = await s.api('GET', '/api/storage');
    expect(status).toBe(200);
    const byId = new Map(body.items.map((r: { id: string }) => [r.id, r]));
    const b = byId.get(big) as { storeBytes: number; evidenceBytes: number; bytes: number; recordCount: number; status: string };
    const sm = byId.get(small) as typeof b;
    expect(b).toMatchObject({ recordCount: 40, status: 'completed', evidenceBytes: 0 });
    expect(sm).toMatchObject({ recordCount: 2, evidenceBytes: 5000 });
    // 40 records of ~250 bytes each, passed through 3 steps: well over 40 × 250 × 3.
    expect(b.storeBytes).toBeGreaterThan(30_000);
    expect(sm.storeBytes).toBeLessThan(b.storeBytes / 5);
    expect(sm.bytes).toBe(sm.storeBytes + 5000);
    const sizes = body.items.map((r: { bytes: number }) => r.bytes);
    expect(sizes).toEqual([...sizes].sort((x: number, y: number) => y - x));
    expect(body.items[0].id).toBe(big);
    expect(body.totals).toMatchObject({ runs: body.total });
    expect(body.totals.disk.evidence).toBe(5000);
    expect(body.totals.database).toBeNull();
    expect(body.totals.runBytes).toBeGreaterThanOrEqual(b.bytes + sm.bytes);

    const oldest = await s.api('GET', '/api/storage?sort=age&limit=1');
    expect(oldest.body.items.map((r: { id: string }) => r.id)).toEqual([small]);
    expect((await s.api('GET', '/api/storage?sort=age&limit=1&offset=1')).body.items[0].id).toBe(big);
    expect((await s.api('GET', '/api/storage?sort=weight')).body.error.code).toBe('E_QUERY_INVALID');

    // Deleted: gone from the runs list, the page and the disk; evidence with it; audited.
    const del = await s.api('DELETE', `/api/runs/${small}`);
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ id: small, records: 2, bytes: sm.bytes, archive: null });
    expect(await runIds()).not.toContain(small);
    expect((await s.api('GET', `/api/runs/${small}`)).status).toBe(404);
    expect(existsSync(path.join(s.dataDir, 'evidence', small))).toBe(false);
    expect((await s.api('GET', '/api/storage')).body.items.map((r: { id: string }) => r.id)).not.toContain(small);
    const audit = await s.api('GET', `/api/audit?runId=${small}`);
    expect(audit.body.items).toEqual([expect.objectContaining({ actor: 'operator', action: 'run.delete', runId: small, flowId: 'flow_scoring', records: 2, bytes: sm.bytes })]);
    expect((await s.api('DELETE', `/api/runs/${small}`)).body.error.code).toBe('E_RUN_NOT_FOUND');
  });

  it('refuses to delete a running run (409 E_RUN_ACTIVE), and a run with records in review unless forced; the review queue loses them', async () => {
    const doc = scoringFlow('flow_slow_retention');
    doc.nodes.splice(1, 0, { id: 'wait', type: 'core.delay', position: { x: 100, y: 100 }, params: { ms: 60_000 } });
    doc.edges[0] = { id: 'e1', source: 'trigger', sourcePort: 'out', target: 'wait', targetPort: 'in' };
    doc.edges.push({ id: 'e0', source: 'wait', sourcePort: 'out', target: 'score', targetPort: 'in' });
    await s.api('POST', '/api/flows/import', doc);
    const run = (await s.api('POST', '/api/runs', { flowId: doc.id, input: { records: people(1, 1) } })).body;
    const refused = await s.api('DELETE', `/api/runs/${run.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'E_RUN_ACTIVE', message: `Run ${run.id} is running: a run that is executing cannot be deleted or archived.` });
    expect(refused.body.error.hint).toMatch(/Pause or stop/);
    expect(await runIds()).toContain(run.id);
    await s.api('POST', `/api/runs/${run.id}/stop`);
    await waitForStatus(run.id, ['stopped']);

    const review = await finishedRun(people(1, 3)); // n ≤ 5: all three to review
    expect((await s.api('GET', `/api/review?runId=${review}`)).body.total).toBe(3);
    const notForced = await s.api('DELETE', `/api/runs/${review}`);
    expect(notForced.status).toBe(409);
    expect(notForced.body.error).toMatchObject({ code: 'E_RUN_IN_REVIEW', message: `Run ${review} has 3 records waiting in the review queue.` });
    expect(await runIds()).toContain(review);
    const forced = await s.api('DELETE', `/api/runs/${review}?force=1`);
    expect(forced.status).toBe(200);
    expect((await s.api('GET', '/api/review')).body.items.map((i: { runId: string }) => i.runId)).not.toContain(review);
    expect((await s.api('GET', `/api/audit?runId=${review}`)).body.items[0].detail).toMatchObject({ forced: true });
    expect((await s.api('DELETE', `/api/runs/${review}?force=maybe`)).body.error.code).toBe('E_QUERY_INVALID');
  });

  it('POST /api/runs/prune: a dry run answers what would go and deletes nothing; then the same prune deletes exactly that', async () => {
    const a = await finishedRun(people(6, 3));
    const b = await finishedRun(people(6, 4));
    const inReview = await finishedRun(people(1, 1));
    const bad = await s.api('POST', '/api/runs/prune', { olderThanDays: -1 });
    expect(bad.body.error.code).toBe('E_BODY_INVALID');
    expect((await s.api('POST', '/api/runs/prune', { olderThanDays: 0, status: ['running'] })).body.error.code).toBe('E_PRUNE_INVALID');
    // Nothing ended 30 days ago.
    expect((await s.api('POST', '/api/runs/prune', { olderThanDays: 30, dryRun: true })).body).toMatchObject({ dryRun: true, runs: [], bytes: 0 });

    const before = await runIds();
    const dry = await s.api('POST', '/api/runs/prune', { olderThanDays: 0, dryRun: true });
    expect(dry.status).toBe(200);
    const would = dry.body.runs.map((r: { id: string }) => r.id);
    expect(would).toEqual(expect.arrayContaining([a, b]));
    expect(would).not.toContain(inReview);
    expect(dry.body.skipped).toEqual(expect.arrayContaining([expect.objectContaining({ id: inReview, code: 'E_RUN_IN_REVIEW' })]));
    expect(dry.body.bytes).toBe(dry.body.runs.reduce((n: number, r: { bytes: number }) => n + r.bytes, 0));
    expect(await runIds()).toEqual(before);

    const real = await s.api('POST', '/api/runs/prune', { olderThanDays: 0 });
    expect(real.body).toMatchObject({ dryRun: false });
    expect(real.body.runs.map((r: { id: string }) => r.id).sort()).toEqual([...would].sort());
    const after = await runIds();
    for (const id of would) expect(after).not.toContain(id);
    expect(after).toContain(inReview);
    const audit = (await s.api('GET', '/api/audit?limit=1000')).body.items;
    for (const id of would) expect(audit).toEqual(expect.arrayContaining([expect.objectContaining({ runId: id, action: 'run.delete', actor: 'operator' })]));
  });

  it('archives before deleting: run.json, records and steps as JSON lines, the report workbook, evidence and the input file', async () => {
    const csv = 'first_name,last_name,email\nAda,Lovelace,ada@example.com\nAlan,Turing,alan@example.com\n';
    const fileId = await upload('team.csv', csv);
    const started = await s.api('POST', '/api/runs', { flowId: 'flow_spreadsheet_contacts', input: { fileId } });
    expect(started.status).toBe(201);
    const id = started.body.id;
    await waitForStatus(id, ['completed']);
    mkdirSync(path.join(s.dataDir, 'evidence', id), { recursive: true });
    writeFileSync(path.join(s.dataDir, 'evidence', id, '1-page.html'), '<p>evidence</p>');
    const space = (await s.api('GET', '/api/storage?limit=1000')).body.items.find((r: { id: string }) => r.id === id);
    expect(space).toMatchObject({ upload: fileId, uploadBytes: csv.length });

    const del = await s.api('DELETE', `/api/runs/${id}?archive=1`);
    expect(del.status).toBe(200);
    const dir = path.join(s.dataDir, 'archive', id);
    expect(del.body).toMatchObject({ archive: dir, records: 2, uploadDeleted: fileId });
    expect(readdirSync(dir).sort()).toEqual(['events.jsonl', 'evidence', 'input', 'logs.jsonl', 'records.jsonl', 'rejects.jsonl', 'report.xlsx', 'run.json', 'steps.jsonl']);
    const run = JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8'));
    expect(run.run).toMatchObject({ id, flowId: 'flow_spreadsheet_contacts', status: 'completed', settings: { upload: fileId } });
    expect(run.counts.success).toBe(2);
    const records = readFileSync(path.join(dir, 'records.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(records.map((r) => r.data.email)).toEqual(['ada@example.com', 'alan@example.com']);
    const steps = readFileSync(path.join(dir, 'steps.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(steps.length).toBeGreaterThanOrEqual(4);
    expect(new Set(steps.map((st) => st.recordIndex))).toEqual(new Set([0, 1]));
    // Each record's steps as its page shows them: first its trigger's (counted, not stored), passing its data on.
    for (const r of records) {
      expect(steps.find((st) => st.recordIndex === r.index && st.seq === 1)).toMatchObject({ nodeId: 'sheet', status: 'success', output: [{ port: 'out', data: r.data }] });
    }
    expect(readFileSync(path.join(dir, 'report.xlsx')).subarray(0, 2).toString()).toBe('PK');
    expect(readFileSync(path.join(dir, 'evidence', '1-page.html'), 'utf8')).toBe('<p>evidence</p>');
    expect(readFileSync(path.join(dir, 'input', 'team.csv'), 'utf8')).toBe(csv);
    // The input goes with its checksum, as sha256sum -c reads it; run.json names it, and no damage.
    const sha = createHash('sha256').update(csv).digest('hex');
    expect(readFileSync(path.join(dir, 'input', 'team.csv.sha256'), 'utf8')).toBe(`${sha}  team.csv\n`);
    expect(run.input).toEqual({ file: 'input/team.csv', bytes: csv.length, sha256: sha, checked: true });
    expect(run.damaged).toEqual([]);
    expect(del.body.damaged).toBeUndefined();
    // Gone from the studio: the run, its evidence, its upload (no other run read it).
    expect(await runIds()).not.toContain(id);
    expect(existsSync(path.join(s.dataDir, 'evidence', id))).toBe(false);
    expect(existsSync(path.join(s.dataDir, 'uploads', fileId))).toBe(false);
    expect((await s.api('GET', `/api/audit?runId=${id}`)).body.items[0]).toMatchObject({ action: 'run.archive', records: 2, detail: { archive: dir, upload: fileId } });
  });

  it('archives a run whose input and evidence were damaged on disk: named in run.json, the answer and the audit row, never copied as if whole', async () => {
    const csv = 'first_name,last_name,email\nAda,Lovelace,ada@example.com\n';
    const fileId = await upload('people.csv', csv);
    const id = (await s.api('POST', '/api/runs', { flowId: 'flow_spreadsheet_contacts', input: { fileId } })).body.id;
    await waitForStatus(id, ['completed']);
    const evidence = path.join(s.dataDir, 'evidence', id);
    mkdirSync(evidence, { recursive: true });
    writeFileSync(path.join(evidence, '1-page.html'), '<p>evidence</p>');
    // Its record says other bytes were written (a bit flipped on disk since).
    writeFileSync(path.join(evidence, '.1-page.html.sum'), JSON.stringify({ algorithm: 'sha256', bytes: 15, sha256: createHash('sha256').update('<p>evidencf</p>').digest('hex') }));
    // Another one was written (its record says so) and is gone.
    writeFileSync(path.join(evidence, '.2-gone.html.sum'), JSON.stringify({ algorithm: 'sha256', bytes: 3, sha256: createHash('sha256').update('abc').digest('hex') }));
    // The upload changed on disk after it was recorded: same length, other bytes.
    writeFileSync(path.join(s.dataDir, 'uploads', fileId), csv.replace('Ada', 'Adb'));

    const del = await s.api('DELETE', `/api/runs/${id}?archive=1`);
    expect(del.status).toBe(200);
    const damaged = [
      { file: 'evidence/1-page.html', state: 'damaged', reason: expect.stringContaining('do not match the SHA-256') },
      { file: 'evidence/2-gone.html', state: 'missing', reason: expect.stringContaining('the file is gone') },
      { file: 'input/people.csv', state: 'damaged', reason: expect.stringContaining('do not match the SHA-256') },
    ];
    expect(del.body.damaged).toEqual(damaged);
    const dir = del.body.archive as string;
    const run = JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8'));
    expect(run.damaged).toEqual(damaged);
    expect(run.input).toBeNull();
    // The damaged input's bytes are kept aside, never as the input.
    expect(readdirSync(path.join(dir, 'input'))).toEqual(['people.csv.damaged']);
    expect((await s.api('GET', `/api/audit?runId=${id}`)).body.items[0]).toMatchObject({ action: 'run.archive', detail: { damaged } });
  });

  it('evidence the store keeps itself (PostgreSQL\'s) goes into the archive with its checksum record; a damaged one is kept aside and named', async () => {
    const id = await finishedRun(people(6, 1));
    const good = Buffer.from('<p>a page a worker kept</p>');
    const bad = Buffer.from('<p>changed in the database</p>');
    const store = s.conveyor.store as { runEvidence?: (runId: string) => Promise<Array<{ ref: string; bytes: Buffer; sha256: string }>> };
    store.runEvidence = async (runId) =>
      runId === id
        ? [
            { ref: `${id}/0-a-page.html`, bytes: good, sha256: createHash('sha256').update(good).digest('hex') },
            { ref: `${id}/0-b-page.html`, bytes: bad, sha256: createHash('sha256').update('<p>as written</p>').digest('hex') },
          ]
        : [];
    try {
      const del = await s.api('DELETE', `/api/runs/${id}?archive=1`);
      expect(del.status).toBe(200);
      expect(del.body.damaged).toEqual([{ file: 'evidence/0-b-page.html', state: 'damaged', reason: expect.stringContaining('SHA-256') }]);
      const dir = path.join(del.body.archive as string, 'evidence');
      expect(readdirSync(dir).sort()).toEqual(['.0-a-page.html.sum', '0-a-page.html', '0-b-page.html.damaged']);
      expect(readFileSync(path.join(dir, '0-a-page.html')).equals(good)).toBe(true);
      expect(JSON.parse(readFileSync(path.join(dir, '.0-a-page.html.sum'), 'utf8'))).toMatchObject({ sha256: createHash('sha256').update(good).digest('hex') });
    } finally {
      delete store.runEvidence;
    }
  });

  it('cleans up uploads no run uses once older than the grace period; an upload two runs read goes with the last of them', async () => {
    const csv = 'first_name,last_name,email\nAda,Lovelace,ada@example.com\n';
    const used = await upload('used.csv', csv);
    const unused = await upload('unused.csv', csv);
    const fresh = await upload('fresh.csv', csv);
    const r1 = (await s.api('POST', '/api/runs', { flowId: 'flow_spreadsheet_contacts', input: { fileId: used } })).body.id;
    const r2 = (await s.api('POST', '/api/runs', { flowId: 'flow_spreadsheet_contacts', input: { fileId: used } })).body.id;
    await waitForStatus(r1, ['completed']);
    await waitForStatus(r2, ['completed']);
    const dir = path.join(s.dataDir, 'uploads');
    for (const id of [used, unused]) age(path.join(dir, id), 25);

    const clean = await s.api('POST', '/api/storage/clean-uploads');
    expect(clean.status).toBe(200);
    expect(clean.body.deleted).toEqual([{ id: unused, bytes: csv.length }]);
    expect(existsSync(path.join(dir, unused))).toBe(false);
    expect(existsSync(path.join(dir, `${unused}.json`))).toBe(false);
    expect(existsSync(path.join(dir, used))).toBe(true); // a run names it
    expect(existsSync(path.join(dir, fresh))).toBe(true); // within the grace period (a run dialog may be about to use it)
    const audit = (await s.api('GET', '/api/audit')).body.items.find((e: { action: string }) => e.action === 'uploads.cleanup');
    expect(audit).toMatchObject({ actor: 'operator', records: 1, bytes: csv.length, detail: { uploads: [unused] } });

    expect((await s.api('DELETE', `/api/runs/${r1}`)).body.uploadDeleted).toBeNull();
    expect(existsSync(path.join(dir, used))).toBe(true); // r2 still read it
    expect((await s.api('DELETE', `/api/runs/${r2}`)).body.uploadDeleted).toBe(used);
    expect(existsSync(path.join(dir, used))).toBe(false);
  });

  it('files chosen in steps\' forms are counted in the totals and cleaned up once no flow or run names them and the grace period passed', async () => {
    const keep = async (text: string) => {
      const res = await fetch(`${s.url}/api/kept-files?name=cv.pdf`, { method: 'POST', headers: { origin: s.url, 'content-type': 'application/pdf' }, body: text });
      expect(res.status).toBe(201);
      return (await res.json()) as { name: string; type: string; size: number; sha256: string };
    };
    const named = await keep('%PDF named by a flow');
    const replaced = await keep('%PDF replaced in the form since');
    const fresh = await keep('%PDF chosen, flow not saved yet');
    const again = await keep('%PDF chosen again lately');
    const flow = scoringFlow('flow_kept_files');
    flow.nodes.push({ id: 'cv', type: 'browser.attach-file', position: { x: 0, y: 400 }, params: { encoding: 'chosen_file', file: named } });
    expect((await s.api('POST', '/api/flows/import', flow)).status).toBe(201);

    const totals = (await s.api('GET', '/api/storage')).body.totals;
    expect(totals.keptFiles).toEqual({ files: 4, bytes: [named, replaced, fresh, again].reduce((n, f) => n + f.size, 0) });

    const dir = path.join(s.dataDir, 'kept-files');
    for (const f of [named, replaced, again]) age(path.join(dir, f.sha256), 25);
    // What a crash left of a file being kept (its temporary file), old and new.
    for (const [name, hours] of [['.0abc.1234.part', 25], ['.0def.5678.part', 1]] as const) {
      writeFileSync(path.join(dir, name), 'partial');
      age(path.join(dir, name), hours);
    }
    await keep('%PDF chosen again lately'); // the same bytes chosen again: kept anew
    const clean = await s.api('POST', '/api/storage/clean-uploads');
    expect(clean.status).toBe(200);
    expect(clean.body.keptFiles).toEqual([{ sha256: replaced.sha256, bytes: replaced.size }]);
    expect(readdirSync(dir).sort()).toEqual(['.0def.5678.part', named.sha256, fresh.sha256, again.sha256].sort());
    const audit = (await s.api('GET', '/api/audit')).body.items.find((e: { action: string; detail: { keptFiles?: string[] } }) => e.action === 'uploads.cleanup' && e.detail.keptFiles);
    expect(audit).toMatchObject({ actor: 'operator', records: 2, bytes: replaced.size + 'partial'.length, detail: { keptFiles: [replaced.sha256], keptFileParts: ['.0abc.1234.part'] } });
    // A crash's leftover on its own: removed once old, and audited all the same.
    age(path.join(dir, '.0def.5678.part'), 25);
    expect((await s.api('POST', '/api/storage/clean-uploads')).body.bytes).toBe('partial'.length);
    const alone = (await s.api('GET', '/api/audit')).body.items.find((e: { action: string; detail: { keptFileParts?: string[] } }) => e.detail.keptFileParts?.includes('.0def.5678.part'));
    expect(alone).toMatchObject({ action: 'uploads.cleanup', records: 1, bytes: 'partial'.length, detail: { uploads: [], evidence: [] } });
    expect((await s.api('GET', '/api/storage')).body.totals.keptFiles.files).toBe(3);
    // The flow that names its file still saves and exports it whole.
    const exported = (await s.api('GET', '/api/flows/flow_kept_files/export')).body;
    expect(Buffer.from(exported.nodes.find((n: { id: string }) => n.id === 'cv').params.file.base64, 'base64').toString()).toBe('%PDF named by a flow');
  });

  it('the studio sweeps unused uploads older than the grace period (and evidence of runs that are gone) when it starts', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-sweep-'));
    const uploads = path.join(dataDir, 'uploads');
    mkdirSync(uploads, { recursive: true });
    for (const [name, hours] of [['aaa111.csv', 30], ['bbb222.csv', 1], ['ccc333.xlsx.part', 30]] as const) {
      writeFileSync(path.join(uploads, name), 'a,b\n1,2\n');
      age(path.join(uploads, name), hours);
    }
    const orphan = path.join(dataDir, 'evidence', 'run_gone');
    mkdirSync(orphan, { recursive: true });
    writeFileSync(path.join(orphan, '0-shot.png'), 'png');
    age(orphan, 30);
    const server = await startServer({ port: 0, dataDir, clientDir: path.join(dataDir, 'no-client') });
    try {
      type Audit = Array<{ action: string; actor: string; detail: { uploads: string[]; evidence: string[] } }>;
      let audit: Audit = [];
      // The sweep runs in the background once the studio listens: wait for its audit entry.
      for (let i = 0; i < 200 && audit.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 25));
        audit = ((await (await fetch(`${server.url}/api/audit`)).json()) as { items: Audit }).items;
      }
      // A leftover partial upload (.part) is removed by the start-up clean of temporary files, or by the sweep.
      expect(audit).toEqual([expect.objectContaining({ action: 'uploads.cleanup', actor: 'policy', detail: expect.objectContaining({ uploads: expect.arrayContaining(['aaa111.csv']), evidence: ['run_gone'] }) })]);
      expect(audit[0].detail.uploads).not.toContain('bbb222.csv');
      expect(readdirSync(uploads)).toEqual(['bbb222.csv']);
      expect(existsSync(orphan)).toBe(false);
    } finally {
      await server.close();
    }
  });
});
