/**
 * Business keys, settled records, rejects, the audit trail, the review queue and the report reads in
 * the embedded store: what the store contract (contract/audit-contract.ts, run against this store by
 * contract/sqljs-contract.test.ts) does not cover — the same state after a kill/reopen (journal replay)
 * and a close/reopen (snapshot), and the upgrade of a data directory written with the schema-1 layout.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import { loadSqlJs } from '../../../server/store/sqljs.ts';
import { checkSnapshot } from '../../../server/store/snapshot.ts';
import { SCHEMA_VERSION } from '../../../server/store/schema.sql.ts';
import { flowDoc, removeTempDirs, tempDir } from './fixtures.ts';
import { T0, T1, checkPopulated, err, populate } from './contract/audit-contract.ts';

describe('sql.js store: keys, rejects, audit, review, report reads', () => {
  afterAll(removeTempDirs);

  it('keeps everything new across close/reopen (snapshot) and kill/reopen (journal replay)', async () => {
    const dir = tempDir();
    const store = await openSqlJsStore(dir);
    await store.putFlow(flowDoc('f'));
    await populate(store);
    await store.kill(); // no snapshot: the reopen replays the journal
    expect(fs.existsSync(path.join(dir, 'conveyor.db'))).toBe(false);
    const replayed = await openSqlJsStore(dir);
    await checkPopulated(replayed);
    await replayed.close(); // snapshot
    const reopened = await openSqlJsStore(dir);
    await checkPopulated(reopened);
    await reopened.close();
  });

  it('upgrades a data directory written with the schema-1 layout', async () => {
    const dir = tempDir();
    const SQL = await loadSqlJs();
    const old = new SQL.Database();
    old.exec(SCHEMA_V1);
    const flow = flowDoc('f');
    old.run(
      `INSERT INTO runs (key, id, flow_id, flow_name, flow, status, settings, record_count, reason, created_at, started_at, ended_at)
       VALUES (1, 'r-old', 'f', 'Flow f', ?, 'completed', '{"concurrency":2}', 2, NULL, ?, ?, ?)`,
      [JSON.stringify(flow), T0, T0, T1],
    );
    old.run(`INSERT INTO records (run_key, idx, status, data, error, started_at, ended_at) VALUES (1, 0, 'failed', '{"a":1}', ?, ?, ?)`, [
      JSON.stringify({ ...err('E_OLD'), nodeId: 'set' }),
      T0,
      T1,
    ]);
    old.run(`INSERT INTO records (run_key, idx, status, data, started_at, ended_at) VALUES (1, 1, 'success', '{"a":2}', ?, ?)`, [T0, T1]);
    old.run(`INSERT INTO meta (key, value) VALUES ('schema_version', '1'), ('last_seq', '0')`);
    fs.writeFileSync(path.join(dir, 'conveyor.db'), old.export());
    old.close();

    const store = await openSqlJsStore(dir);
    expect((await store.getRecord('r-old', 0))?.error?.code).toBe('E_OLD');
    expect((await store.listReview({ code: 'E_OLD' })).items.map((r) => [r.runId, r.index])).toEqual([['r-old', 0]]);
    expect((await store.recordTimings('r-old'))[0].errorCode).toBe('E_OLD');
    expect(await store.listRejects('r-old')).toEqual([]);
    expect((await store.keyAttempts('f', ['x'], 'r-new')).size).toBe(0);
    await populate(store);
    await checkPopulated(store);
    await store.close();

    const again = await openSqlJsStore(dir);
    await checkPopulated(again);
    expect((await again.getRecord('r-old', 1))?.data).toEqual({ a: 2 });
    await again.close();
    // The legacy raw SQLite snapshot was written again in the checked form.
    const snap = checkSnapshot(fs.readFileSync(path.join(dir, 'conveyor.db')));
    expect(snap.state).toBe('ok');
    const check = new SQL.Database(snap.bytes!);
    expect(check.exec(`SELECT value FROM meta WHERE key = 'schema_version'`)[0].values[0][0]).toBe(String(SCHEMA_VERSION));
    check.close();
  });
});

/** The tables of schema 1 that changed since (a data directory of that version holds them so). */
const SCHEMA_V1 = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (
  key INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, flow_id TEXT NOT NULL, flow_name TEXT NOT NULL, flow TEXT NOT NULL,
  status TEXT NOT NULL, settings TEXT NOT NULL, record_count INTEGER NOT NULL, reason TEXT, created_at TEXT NOT NULL,
  started_at TEXT, ended_at TEXT
);
CREATE INDEX runs_by_created ON runs (created_at DESC, id DESC);
CREATE INDEX runs_by_flow ON runs (flow_id, created_at DESC, id DESC);
CREATE INDEX runs_by_status ON runs (status);
CREATE TABLE records (
  run_key INTEGER NOT NULL, idx INTEGER NOT NULL, status TEXT NOT NULL, data TEXT NOT NULL, output TEXT, error TEXT,
  reason TEXT, checkpoint TEXT, started_at TEXT, ended_at TEXT
);
CREATE UNIQUE INDEX records_pk ON records (run_key, idx);
CREATE INDEX records_by_status ON records (run_key, status, idx);
`;
