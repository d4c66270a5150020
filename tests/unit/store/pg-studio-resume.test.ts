/**
 * The studio on the PostgreSQL store, as real processes: a flow runs a few dozen records through the
 * engine, the studio is paused and killed (SIGKILL), a new studio process resumes the run from the
 * database; then a run is killed mid-step and resumed: nothing committed is lost, no committed call
 * is repeated, the calls cut short are in doubt (review). A second studio on the same database is refused.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, kill, killAllStudios, startStudio } from '../crash/studio-process.ts';
import { createTestDatabase, type TestDatabase } from './contract/pg-database.ts';
import { effectFlow, startEffects, unrepeated, type Effects } from './contract/effects.ts';
import { until } from '../../support/until.ts';

const RECORDS = 40;
let effects: Effects;
let db: TestDatabase;
const dirs: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  // Every studio this file starts (startStudio passes this process's environment on) uses the database.
  process.env.CONVEYOR_STORE = 'postgres';
  process.env.DATABASE_URL = db.url;
});

afterAll(async () => {
  killAllStudios();
  await effects?.close();
  await new Promise((r) => setTimeout(r, 200));
  await db?.drop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function dataDir(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'conveyor-pg-'));
  dirs.push(d);
  return d;
}

/** A studio process over PostgreSQL, killed and restarted: up to a minute a stage, read every 100 ms. */
const slow = { ms: 60_000, every: 100 };
const finished = (counts: Record<string, number>) => counts.success + counts.failed + counts.needs_review + counts.skipped;

async function records(url: string, runId: string): Promise<Array<{ index: number; status: string; data: { key: string }; output: { count?: number } | null; error: { code: string } | null }>> {
  return (await api(`${url}/api/runs/${runId}/records?limit=1000`, 'GET')).body.items;
}

/** Exits with E_STORE_IN_USE: another studio holds the database. */
function secondStudio(dir: string): Promise<{ code: number | null; out: string }> {
  const child: ChildProcess = spawn(process.execPath, ['bin/conveyor.js', 'serve'], { env: { ...process.env, DATA_DIR: dir, PORT: '0', HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  // Under load a start from the TypeScript sources takes a while: give it time to say why it stops.
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  return new Promise((r) => child.on('exit', (code) => (clearTimeout(timer), r({ code, out }))));
}

describe('the studio on the PostgreSQL store', () => {
  it('runs a flow, survives pause + kill and kill mid-step, and resumes in a new process from the database', async () => {
    // Slow enough that a kill lands while calls are under way.
    effects = await startEffects(60);
    const calls = effects.calls;
    const dir = dataDir();
    let studio = await startStudio(dir);
    await api(`${studio.url}/api/flows/import`, 'POST', effectFlow('flow_pg', effects.base, { concurrency: 3 }));
    const input = (prefix: string) => ({ records: Array.from({ length: RECORDS }, (_, i) => ({ key: `${prefix}${i}` })) });

    // 1. Paused part way, then the process is killed: the new process finds the run paused, resumes it.
    const first = (await api(`${studio.url}/api/runs`, 'POST', { flowId: 'flow_pg', input: input('a') })).body;
    await until('some records', async () => (await api(`${studio.url}/api/runs/${first.id}`, 'GET')).body.counts, (c) => finished(c) >= 5, slow);
    expect((await api(`${studio.url}/api/runs/${first.id}/pause`, 'POST')).status).toBe(200);
    const paused = await until('paused', async () => (await api(`${studio.url}/api/runs/${first.id}`, 'GET')).body, (r) => r.status === 'paused', slow);
    expect(finished(paused.counts)).toBeLessThan(RECORDS);

    // Meanwhile a second studio on the same database is refused.
    const second = await secondStudio(dataDir());
    expect(second.code).not.toBe(0);
    expect(second.out).toMatch(/E_STORE_IN_USE/);
    expect(second.out).not.toContain(new URL(db.url).password || 'no-password-in-url');

    await kill(studio.child);
    studio = await startStudio(dir);
    const reopened = (await api(`${studio.url}/api/runs/${first.id}`, 'GET')).body;
    expect(reopened.status).toBe('paused');
    expect(reopened.counts).toEqual(paused.counts);
    expect((await api(`${studio.url}/api/runs/${first.id}/resume`, 'POST')).status).toBe(200);
    const done = await until('first run done', async () => (await api(`${studio.url}/api/runs/${first.id}`, 'GET')).body, (r) => r.status === 'completed', slow);
    expect(done.counts.success).toBe(RECORDS);
    for (const r of await records(studio.url, first.id)) {
      expect(calls.get(r.data.key), r.data.key).toBe(1); // paused cleanly: nothing in doubt, nothing repeated
      expect(r.output?.count).toBe(1);
    }

    // 2. Killed mid-step: the new process finds the run interrupted; resumed, committed calls are not repeated.
    const second2 = (await api(`${studio.url}/api/runs`, 'POST', { flowId: 'flow_pg', input: input('b') })).body;
    await until('some records', async () => (await api(`${studio.url}/api/runs/${second2.id}`, 'GET')).body.counts, (c) => finished(c) >= 5, slow);
    await kill(studio.child);
    studio = await startStudio(dir);
    const interrupted = (await api(`${studio.url}/api/runs/${second2.id}`, 'GET')).body;
    expect(interrupted.status).toBe('interrupted');
    const committed = new Map((await records(studio.url, second2.id)).filter((r) => !['pending', 'running'].includes(r.status)).map((r) => [r.index, r.status]));
    expect((await api(`${studio.url}/api/runs/${second2.id}/resume`, 'POST')).status).toBe(200);
    const end = await until('second run done', async () => (await api(`${studio.url}/api/runs/${second2.id}`, 'GET')).body, (r) => r.status === 'completed', slow);
    expect(end.counts.success + end.counts.needs_review).toBe(RECORDS);
    const ended = await records(studio.url, second2.id);
    expect(unrepeated(ended, (i) => `b${i}`, calls)).toEqual([]);
    for (const r of ended) if (committed.has(r.index)) expect(r.status).toBe(committed.get(r.index));
    await kill(studio.child);

    // The runs live in the database, not in the data folder.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const rows = (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM records WHERE run_id = ANY($1::text[])', [[first.id, second2.id]])).rows;
    await client.end();
    expect(rows[0].n).toBe(2 * RECORDS);
  }, 400_000);
});
