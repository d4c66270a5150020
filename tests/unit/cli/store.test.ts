import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import { flowDoc } from '../store/fixtures.ts';

const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['bin/conveyor.js', ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });

async function dataFolder(): Promise<{ dataDir: string; journal: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'conveyor-cli-store-'));
  const store = await openSqlJsStore(path.join(dataDir, 'store'));
  for (let i = 0; i < 5; i++) await store.putFlow(flowDoc(`f${i}`));
  await store.kill();
  return { dataDir, journal: path.join(dataDir, 'store', 'journal-0000000000000001.log') };
}

describe('npx conveyor store', () => {
  it('verify exits 0 on a healthy folder and 1 on a damaged one, naming the offset', async () => {
    const { dataDir, journal } = await dataFolder();
    const ok = cli(['store', 'verify', '--data-dir', dataDir]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('journal journal-0000000000000001.log: entries 1–5');
    expect(ok.stdout).toContain('Healthy: entries up to 5.');

    const buf = fs.readFileSync(journal);
    buf[40] ^= 1; // inside entry 1
    fs.writeFileSync(journal, buf);
    const bad = cli(['store', 'verify', '--data-dir', dataDir]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('DAMAGED at byte 0: a frame that fails its checksum');
    expect(bad.stderr).toContain('After it: 5 committed entries (entries 1–5): flows f1, f2, f3, f4, 1 unreadable.');
    const json = JSON.parse(cli(['store', 'verify', '--json', '--data-dir', dataDir]).stdout);
    expect(json).toMatchObject({ healthy: false, damage: { offset: 0 } });
  });

  it('the studio and the CLI refuse a damaged store with Error E_STORE_DAMAGED / Hint, no stack trace, exit non-zero', async () => {
    const { dataDir, journal } = await dataFolder();
    const buf = fs.readFileSync(journal);
    buf[40] ^= 1;
    fs.writeFileSync(journal, buf);
    const before = fs.readFileSync(journal);
    for (const r of [cli(['serve'], { DATA_DIR: dataDir, PORT: '0' }), cli(['resume', 'run_x', '--data-dir', dataDir])]) {
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(new RegExp(`^Error E_STORE_DAMAGED: The store is damaged: ${journal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} at byte 0: a frame that fails its checksum\\. Opening it would lose 5 committed entries`, 'm'));
      expect(r.stderr).toMatch(/^Hint: See the state with "npx conveyor store verify --data-dir /m);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(fs.readFileSync(journal)).toEqual(before);

    // Repaired, it starts again (the intact part: nothing before entry 1).
    const repaired = cli(['store', 'repair', '--data-dir', dataDir]);
    expect(repaired.status).toBe(0);
    expect(repaired.stdout).toContain('Lost: 5 committed entries (entries 1–5)');
    expect(repaired.stdout).toContain('flows saved or deleted: f1, f2, f3, f4');
    expect(cli(['store', 'verify', '--data-dir', dataDir]).status).toBe(0);
  });

  it('backup and restore', async () => {
    const { dataDir } = await dataFolder();
    const target = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'conveyor-cli-backup-')), 'b');
    const b = cli(['store', 'backup', target, '--data-dir', dataDir]);
    expect(b.stderr).toBe('');
    expect(b.status).toBe(0);
    expect(b.stdout).toMatch(/the store up to entry 5/);
    expect(cli(['store', 'backup', target, '--data-dir', dataDir]).stderr).toMatch(/^Error E_BACKUP_TARGET: .*\nHint: /);
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'conveyor-cli-restore-'));
    const r = cli(['store', 'restore', target, '--data-dir', fresh]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Restored ${target} into ${fresh}: the store up to entry 5.`);
    expect(cli(['store', 'nope']).stderr).toMatch(/^Error E_USAGE: Unknown store command "nope"/);
  });
});
