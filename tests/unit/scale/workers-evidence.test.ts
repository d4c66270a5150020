/**
 * Evidence taken by a worker (PostgreSQL): each studio and worker has its own data folder, so a
 * screenshot a worker wrote to its own disk was out of every studio's reach — the record page, the
 * review queue and the run's archive said it did not exist. The store keeps it (its SHA-256 checked
 * at every read): a studio on another folder serves it, counts it and archives it, and deleting the
 * run deletes it.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import { pgStudiosAndWorker } from './pg-studios.ts';

const setup = pgStudiosAndWorker('evidence', 1);
let site: Server;

beforeAll(async () => {
  site = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Thank you for signing up</h1>'));
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  await new Promise<void>((resolve) => (site ? site.close(() => resolve()) : resolve()));
});

function shotFlow(port: number): FlowDocument {
  return {
    format: FLOW_FORMAT,
    id: 'flow_shots',
    name: 'Shots',
    description: '',
    settings: { concurrency: 1, allowHosts: [`127.0.0.1:${port}`] },
    nodes: [
      { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: {} },
      { id: 'open', type: 'browser.open', position: { x: 200, y: 0 }, params: { url: `http://127.0.0.1:${port}/thanks` } },
      { id: 'shot', type: 'browser.screenshot', position: { x: 400, y: 0 }, params: { name: 'thanks.png' } },
    ],
    edges: [
      { id: 'e1', source: 'trigger', sourcePort: 'out', target: 'open', targetPort: 'in' },
      { id: 'e2', source: 'open', sourcePort: 'out', target: 'shot', targetPort: 'in' },
    ],
  } as FlowDocument;
}

describe('evidence of records run by workers', () => {
  it('a screenshot a worker took is served, counted, archived and deleted by a studio with another data folder', async () => {
    const [studio] = setup.studios();
    const db = setup.db();
    const studioDir = studio.dir;
    await studio.conveyor.flows.import(shotFlow((site.address() as AddressInfo).port), 'replace');
    const run = await studio.conveyor.engine.startRun((await studio.conveyor.flows.get('flow_shots')).flow, { input: { records: [{ n: 1 }] } });
    let record = await studio.conveyor.store.getRecord(run.id, 0);
    for (let i = 0; i < 600 && record?.status !== 'success'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      record = await studio.conveyor.store.getRecord(run.id, 0);
    }
    expect(record?.status).toBe('success');
    const ref = (record?.output as { screenshot: string }).screenshot;
    expect(ref).toMatch(new RegExp(`^${run.id}/0-[a-z0-9]+-thanks\\.png$`));

    // Served by the studio, whose data folder never saw it.
    expect(existsSync(path.join(studioDir, 'evidence', run.id))).toBe(false);
    const served = await fetch(`${studio.url}/api/evidence/${ref}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    const png = Buffer.from(await served.arrayBuffer());
    expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);

    // Counted on the Storage page.
    const storage = (await (await fetch(`${studio.url}/api/storage`)).json()) as { items: Array<{ id: string; evidenceBytes: number }> };
    expect(storage.items.find((r) => r.id === run.id)?.evidenceBytes).toBe(png.length);

    // A byte changed in the database: refused, never served.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query("UPDATE evidence_files SET bytes = overlay(bytes placing '\\x00'::bytea from 40) WHERE ref = $1", [ref]);
      const damaged = await fetch(`${studio.url}/api/evidence/${ref}`);
      expect([damaged.status, ((await damaged.json()) as { error: { code: string } }).error.code]).toEqual([500, 'E_EVIDENCE_DAMAGED']);
      // …and the record page says so instead of offering a link.
      const page = (await (await fetch(`${studio.url}/api/runs/${run.id}/records/0`)).json()) as { damagedEvidence?: Array<{ ref: string; state: string }> };
      expect(page.damagedEvidence).toEqual([expect.objectContaining({ ref, state: 'damaged' })]);
      await client.query('UPDATE evidence_files SET bytes = $1 WHERE ref = $2', [png, ref]);

      // Archived with the run (once it has ended), then deleted with it.
      for (let i = 0; i < 300 && (await studio.conveyor.store.getRun(run.id))?.status !== 'completed'; i++) await new Promise((r) => setTimeout(r, 100));
      const del = await fetch(`${studio.url}/api/runs/${run.id}?archive=1`, { method: 'DELETE', headers: { origin: studio.url } });
      expect(del.status).toBe(200);
      const archive = ((await del.json()) as { archive: string }).archive;
      const name = path.basename(ref);
      expect(readdirSync(path.join(archive, 'evidence')).sort()).toEqual([`.${name}.sum`, name].sort());
      expect(readFileSync(path.join(archive, 'evidence', name)).equals(png)).toBe(true);
      expect((await client.query('SELECT count(*)::int AS n FROM evidence_files WHERE run_id = $1', [run.id])).rows[0].n).toBe(0);
    } finally {
      await client.end();
    }
  });
});
