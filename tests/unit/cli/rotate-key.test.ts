import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openVault } from '../../../server/vault/vault.ts';

const cli = (args: string[], env: Record<string, string | undefined> = {}, input?: string) => {
  const base = { ...process.env };
  delete base.CONVEYOR_SECRET_KEY;
  return spawnSync(process.execPath, ['bin/conveyor.js', ...args], { encoding: 'utf8', env: { ...base, ...env } as NodeJS.ProcessEnv, input, timeout: 60_000 });
};
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'conveyor-rotate-'));
const credential = { name: 'A', kind: 'api_key', secrets: { key: 'secret-aaaa' }, scope: { nodeTypes: ['core.http-request'] } };

describe('npx conveyor rotate-key', () => {
  it('replaces the key file and re-encrypts every credential, printing no key', async () => {
    const dir = tmp();
    await (await openVault(dir, { env: {} })).create(credential);
    const before = readFileSync(path.join(dir, 'secret.key'), 'utf8');
    const r = cli(['rotate-key', '--data-dir', dir]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/1 credential re-encrypted/);
    const after = readFileSync(path.join(dir, 'secret.key'), 'utf8');
    expect(after).not.toBe(before);
    expect(statSync(path.join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(r.stdout).not.toContain(after.trim());
    expect((await (await openVault(dir, { env: {} })).lookup('A'))?.secrets.key).toBe('secret-aaaa');
  });

  it('with CONVEYOR_SECRET_KEY needs the new key (--new-key, or - for stdin) and writes no key file', async () => {
    const dir = tmp();
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('base64');
    await (await openVault(dir, { env: { CONVEYOR_SECRET_KEY: oldKey } })).create(credential);
    const refused = cli(['rotate-key', '--data-dir', dir], { CONVEYOR_SECRET_KEY: oldKey });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/E_USAGE/);
    const ok = cli(['rotate-key', '--new-key', '-', '--data-dir', dir], { CONVEYOR_SECRET_KEY: oldKey }, `${newKey}\n`);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/Set CONVEYOR_SECRET_KEY to the new key/);
    expect(ok.stdout).not.toContain(newKey);
    expect((await (await openVault(dir, { env: { CONVEYOR_SECRET_KEY: newKey } })).lookup('A'))?.secrets.key).toBe('secret-aaaa');
    const wrong = cli(['rotate-key', '--data-dir', dir], { CONVEYOR_SECRET_KEY: oldKey });
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/E_VAULT_KEY_WRONG/);
  });

  it('refuses while another process holds the data directory', () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'conveyor.lock'), String(process.pid));
    const busy = cli(['rotate-key', '--data-dir', dir]);
    expect(busy.status).toBe(2);
    expect(busy.stderr).toMatch(/E_DATA_DIR_BUSY/);
  });
});
