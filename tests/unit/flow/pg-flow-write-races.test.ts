/**
 * Two studios on one PostgreSQL database writing the same flow at the same moment (one renames it in
 * its header while the other saves it from its canvas; one deletes it while the other saves it) take
 * turns as one studio's writes do: no write that answered "done" is undone in silence by the other
 * studio's (server/store/pg/exclusive.ts, `withFlowLock`). The one-studio case: flow-write-races.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../../nodes/index.ts';
import { FlowLibrary } from '../../../server/flow/flow-library.ts';
import { openPgStore, type PgStore } from '../../../server/store/pg/pg-store.ts';
import { createTestDatabase, type TestDatabase } from '../store/contract/pg-database.ts';

let db: TestDatabase;
const stores: PgStore[] = [];
let a: FlowLibrary;
let b: FlowLibrary;

beforeAll(async () => {
  db = await createTestDatabase();
  const registry = createRegistry();
  for (let i = 0; i < 2; i++) stores.push(await openPgStore(db.url, { poolSize: 4 }));
  a = new FlowLibrary(stores[0], registry);
  b = new FlowLibrary(stores[1], registry);
});

afterAll(async () => {
  for (const s of stores) await s.close();
  await db?.drop();
});

// Enough rounds for the unlocked interleaving (read, the other's write, write back) to come up: with
// the lock taken away, 20 rounds lost a save in every run tried.
const ROUNDS = 20;

describe('flow writes of two studios on one PostgreSQL database', () => {
  it('a rename in one studio beside a save in the other keeps the saved changes', async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const created = await a.create(`Race ${i}`);
      const save = a.save(created.id, { ...created.flow, description: `saved ${i}` });
      const rename = b.rename(created.id, `Renamed ${i}`);
      await Promise.all(i % 2 ? [save, rename] : [rename, save]);
      expect((await b.get(created.id)).flow.description).toBe(`saved ${i}`);
    }
  });

  it('a delete in one studio beside a save in the other never brings the deleted flow back', async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const created = await a.create(`Gone ${i}`);
      const [saved] = await Promise.allSettled([a.save(created.id, { ...created.flow, description: 'saved' }), b.remove(created.id)]);
      if (saved.status === 'rejected') expect(saved.reason).toMatchObject({ code: 'E_FLOW_NOT_FOUND' });
      expect((await a.list()).map((f) => f.id)).not.toContain(created.id);
    }
  });
});
