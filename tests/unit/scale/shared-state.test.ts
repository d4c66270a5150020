/**
 * Node state stays exact with several workers on one PostgreSQL database: two workers (each its own
 * engine, store connections and lock pool) walk the records of one run at the same time through
 * Remove duplicates; each key lets exactly one record through, however the steps interleave.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../../nodes/index.ts';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import { Engine } from '../../../server/engine/engine.ts';
import { createPool } from '../../../server/store/pg/connection.ts';
import { openPgStore, type PgStore } from '../../../server/store/pg/pg-store.ts';
import { claimRecords, isClaimLost } from '../../../server/worker/claims.ts';
import { SharedStateLocks } from '../../../server/worker/shared-state-locks.ts';
import { notePacing } from '../../../server/worker/pacing.ts';
import { workerUrl } from '../../../server/worker/worker-url.ts';
import { createTestDatabase, type TestDatabase } from '../store/contract/pg-database.ts';

const RECORDS = 240;
const KEYS = 12;
let db: TestDatabase;
let dir: string;
const stores: PgStore[] = [];
const pools: pg.Pool[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-shared-state-'));
});

afterAll(async () => {
  for (const s of stores) await s.close().catch(() => undefined);
  for (const p of pools) await p.end().catch(() => undefined);
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

function dedupeFlow(): FlowDocument {
  return {
    format: FLOW_FORMAT,
    id: 'flow_dd',
    name: 'Dedupe on workers',
    description: '',
    settings: { concurrency: 12 },
    nodes: [
      { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: '[]' } },
      { id: 'dd', type: 'data.dedupe', position: { x: 200, y: 0 }, params: { key: 'key', scope: 'run' } },
      { id: 'first', type: 'core.set-fields', position: { x: 400, y: 0 }, params: { fields: [{ name: 'first', value: 'true' }] } },
    ],
    edges: [
      { id: 'e1', source: 'trigger', sourcePort: 'out', target: 'dd', targetPort: 'in' },
      { id: 'e2', source: 'dd', sourcePort: 'unique', target: 'first', targetPort: 'in' },
    ],
  };
}

async function worker(id: string): Promise<{ engine: Engine; store: PgStore; pool: pg.Pool }> {
  const store = await openPgStore(workerUrl(db.url, id), { poolSize: 4 });
  const pool = createPool(db.url, 6);
  stores.push(store);
  pools.push(pool);
  const engine = new Engine({ store, registry: createRegistry(), dataDir: dir, stateLocks: new SharedStateLocks(pool) });
  return { engine, store, pool };
}

describe('node state across workers', () => {
  it('Remove duplicates lets exactly one record per key through while two workers walk one run together', async () => {
    const studioStore = await openPgStore(db.url, { poolSize: 2 });
    stores.push(studioStore);
    const studio = new Engine({ store: studioStore, registry: createRegistry(), dataDir: dir, execute: false });
    const run = await studio.startRun(dedupeFlow(), { input: { records: Array.from({ length: RECORDS }, (_, i) => ({ key: `k${i % KEYS}` })) } });
    expect(run.settings.executor).toBe('workers');

    const [a, b] = [await worker('wa'), await worker('wb')];
    await notePacing(a.pool, createRegistry());
    // Each takes half the records, both claiming at once, then both walk at once.
    const batches = await Promise.all(
      [a, b].map(async (w, n) => {
        const claim = await claimRecords(w.pool, n === 0 ? 'wa' : 'wb', 60_000, RECORDS / 2);
        const records = await Promise.all(claim!.indexes.map((i) => w.store.getRecord(run.id, i)));
        return { w, records: records.map((r) => r!) };
      }),
    );
    expect(batches.map((x) => x.records.length)).toEqual([RECORDS / 2, RECORDS / 2]);
    const row = (await studioStore.getRun(run.id))!;
    await Promise.all(
      batches.map(async ({ w, records }) => {
        const batch = w.engine.executeClaimed(row, records, { abandon: isClaimLost, counts: await w.store.countRecords(run.id) });
        await batch.done;
      }),
    );
    const counts = await studioStore.countRecords(run.id);
    expect(counts.success).toBe(RECORDS);
    // One record per key reached "first"; every other one left on Duplicate.
    expect((await studioStore.stepCounts(run.id)).first?.success).toBe(KEYS);
    // Each record's trigger step counted once, by the worker that walked it (it is not stored).
    expect((await studioStore.stepCounts(run.id)).trigger).toEqual({ success: RECORDS, failed: 0, review: 0 });
    expect((await studioStore.listNodeState(`run:${run.id}`, 'dd')).length).toBe(KEYS);
  }, 60_000);
});
