/**
 * Uploads across the studios of one PostgreSQL database: behind a load balancer, the upload (POST
 * /api/uploads) and the start of its run may reach different studios, each with its own data folder.
 * The database keeps every upload (in chunks, with its SHA-256), so any studio starts the run — the
 * file written to its own folder first, every byte checked — and deleting the runs, or the sweep of
 * unused uploads on any studio, deletes it from the database too.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../../server/main.ts';
import { pgStudiosAndWorker } from './pg-studios.ts';

const setup = pgStudiosAndWorker('uploads', 2);
const CSV = 'first_name,last_name,email\nAda,Lovelace,ada@example.com\nGrace,Hopper,grace@example.com\n';
let client: pg.Client;

beforeAll(async () => {
  client = new pg.Client({ connectionString: setup.db().url });
  await client.connect();
});
afterAll(async () => {
  await client?.end();
});

async function api(s: RunningServer, method: string, url: string, body?: unknown) {
  const res = await fetch(s.url + url, { method, headers: { origin: s.url, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

async function upload(s: RunningServer, name: string): Promise<string> {
  const res = await fetch(`${s.url}/api/uploads?name=${name}`, { method: 'POST', headers: { origin: s.url }, body: CSV });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function finished(s: RunningServer, runId: string) {
  for (let i = 0; i < 300; i++) {
    const { body } = await api(s, 'GET', `/api/runs/${runId}`);
    if (body.status === 'completed' || body.status === 'failed') return body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${runId} did not end`);
}

const sharedCount = async () => Number((await client.query('SELECT count(*)::int AS n FROM uploads')).rows[0].n);

describe('uploads shared by the studios of one database', () => {
  it('a file uploaded to one studio starts its run on another; a damaged copy is refused; deleting the run deletes it', async () => {
    const [a, b] = setup.studios();
    expect((await api(a, 'POST', '/api/flows/import', JSON.parse(readFileSync('flows/spreadsheet-contacts.json', 'utf8')))).status).toBe(201);
    const id = await upload(a, 'people.csv');
    expect(existsSync(path.join(b.dir, 'uploads', id))).toBe(false);

    const started = await api(b, 'POST', '/api/runs', { flowId: 'flow_spreadsheet_contacts', input: { fileId: id } });
    expect(started.status).toBe(201);
    expect(started.body.recordCount).toBe(2);
    expect((await finished(b, started.body.id)).counts.success).toBe(2);
    // Written to B's data folder, byte for byte, with its checksum record.
    expect(readFileSync(path.join(b.dir, 'uploads', id), 'utf8')).toBe(CSV);
    expect(JSON.parse(readFileSync(path.join(b.dir, 'uploads', `${id}.json`), 'utf8'))).toMatchObject({ name: 'people.csv', bytes: CSV.length });

    // A byte changed in the database: a studio that has no copy refuses it, and keeps nothing.
    const other = await upload(a, 'other.csv');
    await client.query("UPDATE upload_chunks SET bytes = overlay(bytes placing 'X'::bytea from 30) WHERE id = $1", [other]);
    const refused = await api(b, 'POST', '/api/runs', { flowId: 'flow_spreadsheet_contacts', input: { fileId: other } });
    expect([refused.status, refused.body.error.code]).toEqual([500, 'E_UPLOAD_DAMAGED']);
    expect(refused.body.error.message).toContain('other.csv');
    expect(existsSync(path.join(b.dir, 'uploads', other))).toBe(false);

    // An id no studio received: not found, as before.
    expect((await api(b, 'POST', '/api/runs', { flowId: 'flow_spreadsheet_contacts', input: { fileId: 'ffffffffffffffffffffffff.csv' } })).body.error.code).toBe('E_UPLOAD_NOT_FOUND');

    // The run deleted on A (which never read the file for it): the upload goes from the database too.
    const del = await api(a, 'DELETE', `/api/runs/${started.body.id}`);
    expect([del.status, del.body.uploadDeleted]).toEqual([200, id]);
    expect((await client.query('SELECT id FROM uploads ORDER BY id')).rows.map((r) => r.id)).toEqual([other]);

    // An unused upload past the grace period: swept from the database by a studio that never had it.
    await client.query("UPDATE uploads SET received_at = now() - interval '25 hours'");
    const swept = await api(b, 'POST', '/api/storage/clean-uploads');
    expect(swept.body.deleted).toEqual([expect.objectContaining({ id: other })]);
    expect(await sharedCount()).toBe(0);
  });
});
