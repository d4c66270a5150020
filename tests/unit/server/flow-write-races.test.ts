import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from './support.ts';

/**
 * Writes of one flow sent at the same moment (a save from the canvas while the name is edited in
 * the header, a save from one tab while another deletes the flow) take effect one after the other,
 * as if sent in turn: none is undone in silence after it answered that it was done.
 */
let s: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s && (await s.close()));

const ROUNDS = 6;

describe('flow writes sent at once', () => {
  it('a rename beside a save keeps both: the new name and the saved changes', async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const created = await s.api('POST', '/api/flows', { name: `Race ${i}` });
      const id = created.body.id;
      const save = s.api('PUT', `/api/flows/${id}`, { ...created.body.flow, description: 'saved' });
      const rename = s.api('PATCH', `/api/flows/${id}`, { name: 'Renamed' });
      const [saved, renamed] = await Promise.all(i % 2 ? [save, rename] : [save, rename].reverse());
      expect([saved.status, renamed.status]).toEqual([200, 200]);
      const after = (await s.api('GET', `/api/flows/${id}`)).body;
      // The save carries the name it was loaded with: whichever came last names the flow, but the
      // save's change is never lost.
      expect(after.flow.description).toBe('saved');
    }
  });

  it('a save beside a delete never brings the deleted flow back', async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const created = await s.api('POST', '/api/flows', { name: `Gone ${i}` });
      const id = created.body.id;
      const [deleted, saved] = await Promise.all([s.api('DELETE', `/api/flows/${id}`), s.api('PUT', `/api/flows/${id}`, { ...created.body.flow, description: 'saved' })]);
      expect(deleted.status).toBe(204);
      expect([200, 404]).toContain(saved.status);
      if (saved.status === 404) expect(saved.body.error.code).toBe('E_FLOW_NOT_FOUND');
      expect((await s.api('GET', `/api/flows/${id}`)).status).toBe(404);
      expect((await s.api('GET', '/api/flows')).body.map((f: { id: string }) => f.id)).not.toContain(id);
    }
  });
});
