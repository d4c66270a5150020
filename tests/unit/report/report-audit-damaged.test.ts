/**
 * A finished run whose archived audit trail is damaged (one byte of `events-0000.seg`) is still
 * listed and reported: its records are intact. Both answered E_STORE_DAMAGED (HTTP 500) for the
 * whole run, because a record's time leaves out its wait for a person, read from that trail; now
 * the times are given as they are and the answer says they may include such waits, and why.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import { startServer, type RunningServer } from '../../../server/main.ts';
import { finishedRun, flipDigit } from '../store/archive-fixtures.ts';

const N = 12;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'conveyor-audit-damaged-'));
let server: RunningServer | undefined;
afterAll(async () => {
  await server?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function get(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${server!.url}${url}`);
  return { status: res.status, body: await res.json() };
}

describe('a run whose archived audit trail is damaged', () => {
  it('is listed and reported, saying its times may include waits for a person and why', async () => {
    const storeDir = path.join(dataDir, 'store');
    const store = await openSqlJsStore(storeDir);
    await finishedRun(store, 'run-a', N);
    const { dir: folder } = await store.archiveRun('run-a');
    await store.close();
    const seg = path.join(storeDir, 'runs', folder, 'events-0000.seg');
    flipDigit(seg);

    server = await startServer({ port: 0, dataDir, clientDir: path.join(dataDir, 'no-client') });
    const records = await get('/api/runs/run-a/records?limit=100');
    expect(records.status).toBe(200);
    expect(records.body.total).toBe(N);
    expect(records.body.items).toHaveLength(N);
    expect(records.body.timesUnsure).toContain("the run's audit trail cannot be read");
    expect(records.body.timesUnsure).toContain(seg);

    const report = await get('/api/runs/run-a/report');
    expect(report.status).toBe(200);
    expect(report.body.counts.success + report.body.counts.failed + report.body.counts.needs_review).toBe(N);
    expect(report.body.perRecord.avgMs).not.toBeNull();
    expect(report.body.timesUnsure).toContain("the run's audit trail cannot be read");

    const xlsx = await fetch(`${server.url}/api/runs/run-a/report.xlsx`);
    expect(xlsx.status).toBe(200);
    // The audit trail itself still says it is damaged where it is read whole.
    expect((await get('/api/runs/run-a/events')).body.error?.code ?? null).toBe('E_STORE_DAMAGED');
  });
});
