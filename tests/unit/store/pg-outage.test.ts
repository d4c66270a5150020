/**
 * PostgreSQL going away mid-run (its connections cut by a TCP proxy in front of it): the run halts as
 * interrupted with E_STORE_WRITE instead of failing, Resume is refused while the database is away,
 * and once it answers again Resume finishes every record with no committed call repeated.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConveyor } from '../../../server/conveyor.ts';
import { openPgStore } from '../../../server/store/pg/pg-store.ts';
import { createTestDatabase, type TestDatabase } from './contract/pg-database.ts';
import { recordData, runRow, stepRow, stepUpdate } from './fixtures.ts';
import { effectFlow, startEffects, unrepeated, type Effects } from './contract/effects.ts';

process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';

/** A TCP proxy to PostgreSQL that can be cut (every connection reset) and brought back on the same port. */
class Outage {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}

  async up(): Promise<void> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', () => r()));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async down(): Promise<void> {
    const closed = new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    for (const s of this.sockets) s.destroy();
    await closed;
    this.server = null;
  }
}

let db: TestDatabase;
let outage: Outage;
let effects: Effects;
let cutAfter = Infinity;

beforeAll(async () => {
  db = await createTestDatabase();
  const u = new URL(db.url);
  outage = new Outage({ host: u.hostname, port: Number(u.port || 5432) });
  await outage.up();
  effects = await startEffects(20, (total) => {
    if (total === cutAfter) void outage.down();
  });
});

afterAll(async () => {
  await outage?.down();
  await effects?.close();
  await db?.drop();
});

/** The database's URL through the proxy. */
function viaProxy(): string {
  const u = new URL(db.url);
  u.hostname = '127.0.0.1';
  u.port = String(outage.port);
  return u.toString();
}

describe('PostgreSQL away', () => {
  it('a write while the database is away fails with E_STORE_WRITE and changes nothing; the next one after it is back goes through', async () => {
    const store = await openPgStore(viaProxy(), { poolSize: 2 });
    await store.createRun(runRow('r', 'f', '2024-01-01T00:00:00.000Z', 1), [recordData(0)]);
    await store.commitStep(stepRow('r', 0, 1), stepUpdate('r', 0, 1));
    await outage.down();
    const err = await store.commitStep(stepRow('r', 0, 2), stepUpdate('r', 0, 2)).then(
      () => null,
      (e: unknown) => e as { code: string; message: string; status: number },
    );
    expect(err).toMatchObject({ code: 'E_STORE_WRITE', status: 503 });
    expect(err!.message).toContain(`127.0.0.1:${outage.port}/${db.name}`);
    expect(store.writeFailure()?.code).toBe('E_STORE_WRITE');
    await expect(store.recoverWrites()).rejects.toMatchObject({ code: 'E_STORE_WRITE' });
    await expect(store.getRun('r')).rejects.toMatchObject({ code: 'E_STORE_UNREACHABLE' });
    await outage.up();
    await store.recoverWrites();
    expect(store.writeFailure()).toBeNull();
    await store.commitStep(stepRow('r', 0, 2), stepUpdate('r', 0, 2));
    expect((await store.listSteps('r', 0)).map((s) => s.seq)).toEqual([1, 2]);
    await store.close();
  });

  it('halts a run as interrupted (E_STORE_WRITE), refuses Resume while away, and finishes it once back: no committed call repeated', async () => {
    const RECORDS = 30;
    const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-pg-outage-'));
    const c = await openConveyor(dir, { store: { kind: 'postgres', url: viaProxy() } });
    try {
      const doc = effectFlow('flow_outage', effects.base, { concurrency: 3, records: Array.from({ length: RECORDS }, (_, i) => ({ key: `k${i}` })) });
      await c.flows.import(doc, 'replace');
      cutAfter = 8;
      const run = await c.engine.startRun(doc);
      // The summary reads counts from the database, away now: wait for the run to stop executing.
      for (let waited = 0; c.engine.isActive(run.id) && waited < 30_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
      expect(c.engine.isActive(run.id)).toBe(false);
      const atHalt = effects.total();
      expect(atHalt).toBeLessThan(RECORDS);
      expect(c.engine.storeWriteFailure()?.code).toBe('E_STORE_WRITE');
      await expect(c.engine.resume(run.id)).rejects.toMatchObject({ code: 'E_STORE_WRITE' });
      await expect(c.engine.summary(run.id)).rejects.toMatchObject({ code: 'E_STORE_UNREACHABLE', status: 503 });
      expect(effects.total()).toBe(atHalt);

      cutAfter = Infinity;
      await outage.up();
      // Back: the run shows why it halted (kept in memory while the database was away).
      const halted = await c.engine.summary(run.id);
      expect(halted.status).toBe('interrupted');
      expect(halted.reason?.code).toBe('E_STORE_WRITE');
      expect(halted.reason?.message).toMatch(/could not be reached/);
      expect(halted.reason?.hint).toMatch(/Resume/);
      await c.engine.resume(run.id);
      const done = await c.engine.waitForRun(run.id);
      expect(done.status).toBe('completed');
      const records = (await c.store.listRecords(run.id, { limit: 1000 })).items;
      expect(records).toHaveLength(RECORDS);
      expect(unrepeated(records, (i) => `k${i}`, effects.calls)).toEqual([]);
    } finally {
      await c.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
