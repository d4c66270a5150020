/**
 * Damage in a run's step segments (runs/<run>.steps/, server/store/archive/spill.ts) as the studio
 * answers it: a record's page, a manual archive (REST), the store's own archive and its periodic
 * sweep all answer E_STORE_DAMAGED naming the step segment, the byte offset, the run and the record,
 * with what to do — never "the archive of run …", never a raw error — and change nothing. Records
 * share frames: every record whose steps are in the damaged frame answers so, every other is served.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer } from '../../../server/main.ts';
import { Retention } from '../../../server/retention/retention.ts';
import { repairStore } from '../../../server/store/maintenance.ts';
import { removeTempDirs } from './fixtures.ts';
import { damagedSpillFolder, openSpilling, RECORDS } from './spill-damage-fixtures.ts';

afterEach(removeTempDirs);

/** The message and hint a user meets for `record`, one of the records sharing the damaged frame (file, offset, run, record, what to do). */
function expectStepSegmentError(err: { code?: string; message?: string; hint?: string }, f: { segment: string; offset: number; records: number[]; dataDir: string }, record: number) {
  expect(f.records).toContain(record);
  expect(err.code).toBe('E_STORE_DAMAGED');
  expectStepSegmentMessage(err.message, f, record);
  expect(err.hint).toContain(`npx conveyor store verify --data-dir ${f.dataDir}`);
  expect(err.hint).toContain(`npx conveyor store repair --data-dir ${f.dataDir}`);
}

function expectStepSegmentMessage(message: string | undefined, f: { segment: string; offset: number }, record: number) {
  expect(message).toContain(`${f.segment} at byte ${f.offset}: a frame fails its CRC-32 checksum`);
  expect(message).toContain(`This step segment of run run-a holds the steps of its record ${record}`);
  expect(message).not.toMatch(/archive of run/);
}

describe('a damaged step segment, served', () => {
  it("the page (REST) of every record sharing the damaged frame answers E_STORE_DAMAGED naming the step segment, offset and that record; every other record of the run is served", async () => {
    const f = await damagedSpillFolder();
    const server = await startServer({ port: 0, dataDir: f.dataDir, clientDir: path.join(f.dataDir, 'no-client'), log: false });
    try {
      for (const record of f.records) {
        const bad = await fetch(`${server.url}/api/runs/run-a/records/${record}`);
        expect(bad.status).toBe(500);
        const { error } = (await bad.json()) as { error: { code: string; message: string; hint: string; runId: string; record: number; file: string; offset: number } };
        expectStepSegmentError(error, f, record);
        expect(error.message).toContain('they cannot be read and are not served');
        expect(error).toMatchObject({ runId: 'run-a', record, file: f.segment, offset: f.offset });
      }

      const seqAndOutput = (steps: Array<{ seq: number; output: unknown }>) => steps.map((s) => [s.seq, s.output]);
      expect(f.others.length + f.records.length).toBe(RECORDS);
      for (const other of f.others) {
        const ok = await fetch(`${server.url}/api/runs/run-a/records/${other}`);
        expect(ok.status).toBe(200);
        const expected = f.reads.get('run-a')!.records[other].steps;
        expect(expected).toHaveLength(3);
        expect(seqAndOutput(((await ok.json()) as { steps: Array<{ seq: number; output: unknown }> }).steps)).toEqual(seqAndOutput(expected));
      }
    } finally {
      await server.close();
    }
  });

  it('archiving and deleting the run from REST is refused with the same code and message; nothing is deleted, no archive folder is left', async () => {
    const f = await damagedSpillFolder();
    const server = await startServer({ port: 0, dataDir: f.dataDir, clientDir: path.join(f.dataDir, 'no-client'), log: false });
    try {
      const res = await fetch(`${server.url}/api/runs/run-a?archive=1&force=1`, { method: 'DELETE', headers: { origin: server.url } });
      expect(res.status).toBe(500);
      // The archive reads records in order: the first record of the damaged frame is the one named.
      expectStepSegmentError(((await res.json()) as { error: { code: string; message: string; hint: string } }).error, f, f.records[0]);
      expect((await fetch(`${server.url}/api/runs/run-a`)).status).toBe(200);
      expect(fs.readdirSync(path.join(f.dataDir, 'archive'))).toEqual([]);
    } finally {
      await server.close();
    }
    expect(fs.existsSync(f.segment)).toBe(true);
  });
});

describe('a damaged step segment, pruned', () => {
  it('pruning with archives keeps the damaged run (named with E_STORE_DAMAGED and the message) and archives and deletes the others', async () => {
    const f = await damagedSpillFolder(['run-a', 'run-b']);
    const store = await openSpilling(f.storeDir);
    try {
      const r = await new Retention({ store, dataDir: f.dataDir }).prune({ olderThanDays: 30, archive: true, force: true, actor: 'cli' });
      expect(r.runs.map((x) => x.id)).toEqual(['run-b']);
      expect(r.skipped).toHaveLength(1);
      expect(r.skipped[0]).toMatchObject({ id: 'run-a', code: 'E_STORE_DAMAGED' });
      expectStepSegmentMessage(r.skipped[0].reason, f, f.records[0]);
      expect(await store.getRun('run-b')).toBeNull();
      expect(fs.readdirSync(path.join(f.dataDir, 'archive'))).toEqual(['run-b']);
      expect((await store.getRun('run-a'))?.status).toBe('completed');
    } finally {
      await store.close();
    }
  });
});

describe('a damaged step segment, archived', () => {
  it("the store's archive of the run is refused with E_STORE_DAMAGED (not a raw error); the run keeps its rows; once repaired it is archived", async () => {
    const f = await damagedSpillFolder();
    const store = await openSpilling(f.storeDir);
    const err = await store.archiveRun('run-a').then(
      () => null,
      (e: unknown) => e as { code?: string; message?: string; hint?: string; details?: unknown },
    );
    expect(err).not.toBeNull();
    expectStepSegmentError(err!, f, f.records[0]);
    expect(err!.message).toContain('so run run-a was not archived: it stays in the store as it was');
    expect(err!.hint).toContain('once repaired, the run can be archived');
    expect(err!.details).toMatchObject({ runId: 'run-a', record: f.records[0], file: f.segment, offset: f.offset });
    expect(store.isArchived('run-a')).toBe(false);
    expect(fs.readdirSync(path.join(f.storeDir, 'runs')).sort()).toEqual(['run-a.steps']); // no half-written archive left
    for (const record of f.records) {
      await expect(store.listSteps('run-a', record)).rejects.toMatchObject({ code: 'E_STORE_DAMAGED', message: expect.stringContaining(`${f.segment} at byte ${f.offset}`) });
    }
    for (const other of f.others) expect(await store.listSteps('run-a', other)).toEqual(f.reads.get('run-a')!.records[other].steps);
    await store.close();

    await repairStore(f.dataDir);
    const repaired = await openSpilling(f.storeDir);
    await repaired.archiveRun('run-a');
    expect(repaired.isArchived('run-a')).toBe(true);
    // Exactly the records that shared the damaged frame lost their steps; every other keeps them.
    for (const record of f.records) expect(await repaired.listSteps('run-a', record)).toEqual([]);
    for (const other of f.others) expect(await repaired.listSteps('run-a', other)).toEqual(f.reads.get('run-a')!.records[other].steps);
    expect((await repaired.listRecords('run-a', { limit: RECORDS })).items).toHaveLength(RECORDS);
    await repaired.close();
  });

  it("the store's archive sweep reports the damaged run once with E_STORE_DAMAGED and goes on archiving the other runs", async () => {
    const f = await damagedSpillFolder(['run-a', 'run-b']);
    const errors: unknown[] = [];
    const store = await openSpilling(f.storeDir, { archiveAfterMs: 0, archiveCheckMs: 20, onError: (e) => errors.push(e) });
    try {
      // Both runs ended long ago: the sweep takes them (in either order) at its first look.
      for (let i = 0; i < 500 && !(store.isArchived('run-b') && errors.length > 0); i++) await new Promise((r) => setTimeout(r, 20));
      expect(store.isArchived('run-b')).toBe(true);
      expect(store.isArchived('run-a')).toBe(false);
      // Damage stays until a repair (studio stopped): the sweep does not try that run again, so it is logged once.
      await new Promise((r) => setTimeout(r, 300));
      expect(errors).toHaveLength(1);
      for (const e of errors) expectStepSegmentError(e as { code?: string; message?: string; hint?: string }, f, f.records[0]);
      for (let i = 0; i < RECORDS; i++) expect(await store.listSteps('run-b', i)).toEqual(f.reads.get('run-b')!.records[i].steps);
    } finally {
      await store.close();
    }
  });
});
