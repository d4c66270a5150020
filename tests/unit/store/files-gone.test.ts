// The store's journal file or snapshot removed from its folder while the studio runs: a snapshot is
// written at once, so that a crash after it loses nothing (files-gone.ts); the folder itself gone stops
// writes with E_STORE_WRITE instead of acknowledging steps a restart would not find.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlJsStore, type SqlJsStore } from '../../../server/store/sqljs-store.ts';
import { SNAPSHOT_FILE } from '../../../server/store/snapshot.ts';
import { until } from '../../support/until.ts';

const soon = (what: string, ok: () => boolean) => until(what, async () => ok(), (v) => v, { ms: 5_000 });
import { flowDoc, removeTempDirs, tempDir } from './fixtures.ts';

const journalFiles = (dir: string) => fs.readdirSync(dir).filter((f) => f.startsWith('journal-')).map((f) => path.join(dir, f));

async function open(dir: string, warnings: string[]): Promise<SqlJsStore> {
  return openSqlJsStore(dir, { fileCheckMs: 25, archiveAfterMs: null, onWarning: (m) => warnings.push(m), onError: () => undefined });
}

/** A store that wrote flow "a" and was closed (a snapshot, an empty journal after it), open again. */
async function reopenedAfterFlowA(): Promise<{ dir: string; store: SqlJsStore; warnings: string[] }> {
  const dir = tempDir();
  const first = await open(dir, []);
  await first.putFlow(flowDoc('a'));
  await first.close();
  const warnings: string[] = [];
  return { dir, store: await open(dir, warnings), warnings };
}

async function flowIds(dir: string): Promise<string[]> {
  const store = await openSqlJsStore(dir, { fileCheckMs: null, archiveAfterMs: null, onWarning: () => undefined });
  try {
    return (await store.listFlows()).map((f) => f.id).sort();
  } finally {
    await store.close();
  }
}

describe('store files removed while the store runs', () => {
  afterAll(removeTempDirs);

  it('a journal file deleted under a running store: a snapshot is written at once, a crash after it loses nothing', async () => {
    const dir = tempDir();
    const warnings: string[] = [];
    const store = await open(dir, warnings);
    await store.putFlow(flowDoc('before'));
    const [journal] = journalFiles(dir);
    fs.rmSync(journal);
    // Acknowledged while the file is gone: written to a file no one will read, until the snapshot.
    await store.putFlow(flowDoc('while-gone'));
    await soon('the store healing the removed journal', () => warnings.some((w) => w.includes('E_STORE_FILE_GONE')));
    expect(warnings.find((w) => w.includes('E_STORE_FILE_GONE'))).toMatch(new RegExp(`${path.basename(journal)} was removed .* nothing written is lost`));
    await store.putFlow(flowDoc('after'));
    await store.kill();
    expect(await flowIds(dir)).toEqual(['after', 'before', 'while-gone']);
  });

  it('a journal file deleted while the store is idle is healed too (no write needed to notice)', async () => {
    const dir = tempDir();
    const warnings: string[] = [];
    const store = await open(dir, warnings);
    await store.putFlow(flowDoc('only'));
    for (const f of journalFiles(dir)) fs.rmSync(f);
    await soon('a warning', () => warnings.length > 0);
    await store.kill();
    expect(await flowIds(dir)).toEqual(['only']);
  });

  it('the snapshot deleted under a running store is written again', async () => {
    const { dir, store, warnings } = await reopenedAfterFlowA();
    await store.putFlow(flowDoc('b'));
    fs.rmSync(path.join(dir, SNAPSHOT_FILE));
    await soon('a warning', () => warnings.length > 0);
    expect(warnings[0]).toMatch(new RegExp(`${SNAPSHOT_FILE} was removed`));
    expect(fs.existsSync(path.join(dir, SNAPSHOT_FILE))).toBe(true);
    await store.kill();
    expect(await flowIds(dir)).toEqual(['a', 'b']);
  });

  it('removed while its journal holds no entry yet (just reopened): healed, and the new journal kept', async () => {
    for (const removed of ['snapshot', 'journal'] as const) {
      const { dir, store, warnings } = await reopenedAfterFlowA();
      // The snapshot and an empty journal named after it: a rotation makes a journal of the same name.
      for (const f of removed === 'snapshot' ? [path.join(dir, SNAPSHOT_FILE)] : journalFiles(dir)) fs.rmSync(f);
      await soon('a warning', () => warnings.length > 0);
      expect(journalFiles(dir)).toHaveLength(1);
      await store.putFlow(flowDoc('b'));
      // No second heal: the files are there.
      await new Promise((r) => setTimeout(r, 150));
      expect(warnings).toHaveLength(1);
      await store.kill();
      expect(await flowIds(dir)).toEqual(['a', 'b']);
    }
  });

  it('the whole store folder removed: writes are refused (E_STORE_WRITE, saying what was removed), none acknowledged', async () => {
    const dir = tempDir();
    const store = await open(dir, []);
    await store.putFlow(flowDoc('a'));
    fs.rmSync(dir, { recursive: true, force: true });
    await soon('writes refused', () => store.writeFailure() !== null);
    expect(store.writeFailure()).toMatchObject({ code: 'E_STORE_WRITE', osCode: 'ENOENT', message: expect.stringMatching(/removed while (it|the studio was) r/) });
    await expect(store.putFlow(flowDoc('b'))).rejects.toMatchObject({ code: 'E_STORE_WRITE' });
    await store.kill();
  });
});
