import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openVault } from '../../../server/vault/vault.ts';
import { kindInfos } from '../../../server/vault/kinds.ts';
import { keyId } from '../../../server/vault/crypto.ts';
import { folderText } from '../../support/data-folder.ts';

const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'conveyor-vault-'));
const NO_ENV = { env: {} as NodeJS.ProcessEnv };
const types = () => ['core.http-request', 'core.log'];
const apiKey = (name: string, key: string, extra: Record<string, unknown> = {}) => ({
  name,
  kind: 'api_key',
  fields: { header: 'X-Api-Key' },
  secrets: { key },
  scope: { nodeTypes: ['core.http-request'] },
  ...extra,
});

async function failure(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

/** Every byte under `dir`, the store's files unpacked too, as latin1 text (so any UTF-8 substring can be searched). */
const everything = folderText;

describe('credential vault', () => {
  it('keeps secrets encrypted on disk (AES-256-GCM, random IV) with a generated 0600 key file', async () => {
    const dir = tmp();
    const vault = await openVault(dir, { ...NO_ENV, nodeTypes: types });
    expect(vault.keySource).toBe('none');
    expect(existsSync(path.join(dir, 'secret.key'))).toBe(false);
    const secret = `sk-${randomBytes(12).toString('hex')}`;
    const a = await vault.create(apiKey('Acme', secret));
    const b = await vault.create(apiKey('Acme copy', secret));
    expect(vault.keySource).toBe('file');
    expect(statSync(path.join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dir, 'vault.json')).mode & 0o777).toBe(0o600);

    const disk = everything(dir);
    expect(disk).not.toContain(secret);
    expect(disk).not.toContain(Buffer.from(secret).toString('base64').replace(/=+$/, ''));
    const file = JSON.parse(readFileSync(path.join(dir, 'vault.json'), 'utf8'));
    const [boxA, boxB] = file.credentials.map((c: any) => c.secrets);
    expect(boxA).toMatchObject({ alg: 'aes-256-gcm' });
    expect(Buffer.from(boxA.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(boxA.tag, 'base64')).toHaveLength(16);
    expect(boxA.iv).not.toBe(boxB.iv);
    expect(boxA.data).not.toBe(boxB.data);
    expect(file.credentials[0].fields).toEqual({ header: 'X-Api-Key', prefix: '' });

    // The API's view: secret fields only as { set: true }.
    expect(vault.list().map((c) => c.id)).toEqual([a.id, b.id]);
    expect(JSON.stringify(vault.list())).not.toContain(secret);
    expect(a.secrets).toEqual({ key: { set: true } });

    // The engine's lookup: in clear, by exact name.
    expect((await vault.lookup('Acme'))?.secrets).toEqual({ key: secret });
    expect(await vault.lookup('acme')).toBeNull();

    // Reopened from disk with the key file.
    const again = await openVault(dir, NO_ENV);
    expect((await again.lookup('Acme copy'))?.secrets.key).toBe(secret);
  });

  it('edits keep omitted or empty secrets, replace given ones, and merge fields', async () => {
    const vault = await openVault(tmp(), { ...NO_ENV, nodeTypes: types });
    const c = await vault.create(apiKey('Acme', 'first-secret'));
    const edited = await vault.update(c.id, { fields: { prefix: 'Bearer ' }, secrets: { key: '' }, scope: { nodeTypes: ['core.http-request'], hosts: ['API.example.com', '*.example.org'] } });
    expect(edited.fields).toEqual({ header: 'X-Api-Key', prefix: 'Bearer ' });
    expect(edited.scope).toEqual({ nodeTypes: ['core.http-request'], hosts: ['api.example.com', '*.example.org'] });
    expect((await vault.lookup('Acme'))?.secrets.key).toBe('first-secret');
    await vault.update(c.id, { name: 'Acme 2', secrets: { key: 'second-secret' } });
    expect(await vault.lookup('Acme')).toBeNull();
    expect((await vault.lookup('Acme 2'))?.secrets.key).toBe('second-secret');
    expect(Date.parse(vault.get(c.id).updatedAt)).toBeGreaterThanOrEqual(Date.parse(c.updatedAt));
    await vault.remove(c.id);
    expect(vault.list()).toEqual([]);
    expect((await failure(vault.remove(c.id))).code).toBe('E_CREDENTIAL_NOT_FOUND');
  });

  it('refuses invalid credentials with every problem, never quoting a value', async () => {
    const vault = await openVault(tmp(), { ...NO_ENV, nodeTypes: types });
    await vault.create(apiKey('Taken', 'secret-1'));
    expect((await failure(vault.create(apiKey('taken', 'secret-2')))).code).toBe('E_CREDENTIAL_NAME_TAKEN');
    const bad = await failure(vault.create({ name: 'X', kind: 'basic', fields: { username: 'a:b' }, secrets: { password: 'abc' }, scope: { nodeTypes: ['core.nope'] } }));
    expect(bad.code).toBe('E_CREDENTIAL_INVALID');
    expect(bad.status).toBe(422);
    const problems = bad.details.problems.map((p: any) => p.path);
    expect(problems).toEqual(expect.arrayContaining(['$.fields.username', '$.secrets.password']));
    expect(JSON.stringify(bad.details) + bad.message).not.toMatch(/"abc"|a:b/);
    expect((await failure(vault.create({ ...apiKey('Y', 'secret-3'), scope: { nodeTypes: ['core.nope'] } }))).details.problems).toEqual([{ path: '$.scope.nodeTypes[0]', message: 'There is no node type "core.nope".' }]);
    expect((await failure(vault.create({ ...apiKey('Z', 'secret-3'), kind: 'ftp' }))).code).toBe('E_CREDENTIAL_INVALID');
    expect((await failure(vault.create({ ...apiKey('Z', 'secret-3'), scope: { nodeTypes: ['core.http-request'], hosts: ['https://x.com/path'] } }))).code).toBe('E_CREDENTIAL_INVALID');
    const c = vault.list()[0];
    expect((await failure(vault.update(c.id, { kind: 'basic' }))).code).toBe('E_CREDENTIAL_INVALID');
    expect((await failure(vault.update('cred_nope', {}))).code).toBe('E_CREDENTIAL_NOT_FOUND');
  });

  it('publishes each kind as JSON Schema with the secret fields writeOnly', () => {
    const kinds = kindInfos();
    expect(kinds.map((k) => k.kind)).toEqual(['api_key', 'basic', 'ai_endpoint', 'imap', 'smtp', 'webhook_secret']);
    const api = kinds.find((k) => k.kind === 'api_key')!;
    expect((api.schema as any).properties.key.writeOnly).toBe(true);
    expect((api.schema as any).properties.header).toMatchObject({ default: 'Authorization' });
    expect((api.schema as any).properties.header.writeOnly).toBeUndefined();
    const imap = kinds.find((k) => k.kind === 'imap')!;
    expect(Object.keys((imap.schema as any).properties)).toEqual(['host', 'port', 'secure', 'user', 'password']);
    expect((imap.schema as any).properties.password.writeOnly).toBe(true);
  });

  it('detects tampering and a box moved to another credential (auth tag, bound to the id)', async () => {
    const dir = tmp();
    const vault = await openVault(dir, { ...NO_ENV, nodeTypes: types });
    await vault.create(apiKey('A', 'secret-aaaa'));
    await vault.create(apiKey('B', 'secret-bbbb'));
    const file = JSON.parse(readFileSync(path.join(dir, 'vault.json'), 'utf8'));
    [file.credentials[0].secrets, file.credentials[1].secrets] = [file.credentials[1].secrets, file.credentials[0].secrets];
    writeFileSync(path.join(dir, 'vault.json'), JSON.stringify(file), { mode: 0o600 });
    const swapped = await openVault(dir, NO_ENV);
    expect((await failure(swapped.lookup('A'))).code).toBe('E_VAULT_CORRUPT');

    const data = Buffer.from(file.credentials[1].secrets.data, 'base64');
    data[0] ^= 1;
    file.credentials[0].secrets = file.credentials[1].secrets;
    file.credentials[0].secrets = { ...file.credentials[0].secrets, data: data.toString('base64') };
    writeFileSync(path.join(dir, 'vault.json'), JSON.stringify(file), { mode: 0o600 });
    expect((await failure((await openVault(dir, NO_ENV)).lookup('A'))).code).toBe('E_VAULT_CORRUPT');

    writeFileSync(path.join(dir, 'vault.json'), '{ nope');
    expect((await failure(openVault(dir, NO_ENV))).code).toBe('E_VAULT_CORRUPT');
  });

  it.skipIf(process.platform === 'win32')('refuses a key file other users can read', async () => {
    const dir = tmp();
    const vault = await openVault(dir, { ...NO_ENV, nodeTypes: types });
    await vault.create(apiKey('A', 'secret-aaaa'));
    chmodSync(path.join(dir, 'secret.key'), 0o640);
    const err = await failure(openVault(dir, NO_ENV));
    expect(err.code).toBe('E_VAULT_KEY_PERMISSIONS');
    expect(err.hint).toMatch(/chmod 600/);
    chmodSync(path.join(dir, 'secret.key'), 0o604);
    expect((await failure(openVault(dir, NO_ENV))).code).toBe('E_VAULT_KEY_PERMISSIONS');
    chmodSync(path.join(dir, 'secret.key'), 0o600);
    expect((await (await openVault(dir, NO_ENV)).lookup('A'))?.secrets.key).toBe('secret-aaaa');
  });

  it('takes the key from CONVEYOR_SECRET_KEY (hex or base64), refusing a malformed, wrong or missing key', async () => {
    const dir = tmp();
    const key = randomBytes(32);
    const hexEnv = { env: { CONVEYOR_SECRET_KEY: key.toString('hex') } as NodeJS.ProcessEnv };
    const vault = await openVault(dir, { ...hexEnv, nodeTypes: types });
    expect(vault.keySource).toBe('env');
    await vault.create(apiKey('A', 'secret-aaaa'));
    expect(existsSync(path.join(dir, 'secret.key'))).toBe(false);
    const b64 = await openVault(dir, { env: { CONVEYOR_SECRET_KEY: key.toString('base64') } as NodeJS.ProcessEnv });
    expect((await b64.lookup('A'))?.secrets.key).toBe('secret-aaaa');
    expect(JSON.parse(readFileSync(path.join(dir, 'vault.json'), 'utf8')).keyId).toBe(keyId(key));

    for (const bad of ['short', key.toString('hex').slice(2), 'x'.repeat(64), randomBytes(16).toString('base64')]) {
      const err = await failure(openVault(dir, { env: { CONVEYOR_SECRET_KEY: bad } as NodeJS.ProcessEnv }));
      expect(err.code).toBe('E_VAULT_KEY_INVALID');
      expect(err.message).not.toContain(bad);
    }
    expect((await failure(openVault(dir, { env: { CONVEYOR_SECRET_KEY: randomBytes(32).toString('hex') } as NodeJS.ProcessEnv }))).code).toBe('E_VAULT_KEY_WRONG');
    expect((await failure(openVault(dir, NO_ENV))).code).toBe('E_VAULT_KEY_MISSING');
  });

  it('a vault.json deleted or moved while its key file stays: refused (E_VAULT_CORRUPT), not opened empty; with no key file either it starts empty', async () => {
    const dir = tmp();
    const vault = await openVault(dir, { ...NO_ENV, nodeTypes: types });
    await vault.create(apiKey('Acme', 'sk-test-0123456789'));
    const vaultFile = path.join(dir, 'vault.json');
    const saved = readFileSync(vaultFile);
    rmSync(vaultFile);
    const err = await failure(openVault(dir, { ...NO_ENV, nodeTypes: types }));
    expect(err.code).toBe('E_VAULT_CORRUPT');
    expect(err.message).toContain(`${vaultFile} is missing`);
    expect(err.hint).toMatch(/Put vault\.json back/);
    expect(existsSync(vaultFile)).toBe(false);
    writeFileSync(vaultFile, saved);
    expect((await openVault(dir, { ...NO_ENV, nodeTypes: types })).list().map((c) => c.name)).toEqual(['Acme']);

    // The first credential writes vault.json before the key file: no crash leaves a key without its
    // vault. (The key's write made to fail, as a crash at that moment would cut it.)
    const fresh = tmp();
    const empty = await openVault(fresh, { ...NO_ENV, nodeTypes: types });
    mkdirSync(path.join(fresh, 'secret.key', 'in-the-way'), { recursive: true });
    await failure(empty.create(apiKey('Acme', 'sk-test-0123456789')));
    expect(JSON.parse(readFileSync(path.join(fresh, 'vault.json'), 'utf8')).credentials).toEqual([]);
    rmSync(path.join(fresh, 'secret.key'), { recursive: true });
    expect((await openVault(fresh, { ...NO_ENV, nodeTypes: types })).list()).toEqual([]);
    rmSync(path.join(dir, 'vault.json'));
    rmSync(path.join(dir, 'secret.key'));
    expect((await openVault(dir, { ...NO_ENV, nodeTypes: types })).list()).toEqual([]);
  });

  it('rotates the key file: everything re-encrypted, the old key no longer opens the vault', async () => {
    const dir = tmp();
    const vault = await openVault(dir, { ...NO_ENV, nodeTypes: types });
    await vault.create(apiKey('A', 'secret-aaaa'));
    await vault.create({ name: 'Mail', kind: 'smtp', fields: { host: 'smtp.example.com', user: 'ada@example.com' }, secrets: { password: 'mail-pass' }, scope: { nodeTypes: ['core.log'] } });
    const oldKey = readFileSync(path.join(dir, 'secret.key'), 'utf8');
    const before = JSON.parse(readFileSync(path.join(dir, 'vault.json'), 'utf8'));
    expect(await vault.rotateKey()).toEqual({ credentials: 2, keySource: 'file' });
    const newKey = readFileSync(path.join(dir, 'secret.key'), 'utf8');
    expect(newKey).not.toBe(oldKey);
    expect(statSync(path.join(dir, 'secret.key')).mode & 0o777).toBe(0o600);
    expect(existsSync(path.join(dir, 'secret.key.new'))).toBe(false);
    const after = JSON.parse(readFileSync(path.join(dir, 'vault.json'), 'utf8'));
    expect(after.keyId).not.toBe(before.keyId);
    expect(after.credentials[0].secrets.data).not.toBe(before.credentials[0].secrets.data);
    expect((await vault.lookup('Mail'))?.secrets.password).toBe('mail-pass');
    const reopened = await openVault(dir, NO_ENV);
    expect((await reopened.lookup('A'))?.secrets.key).toBe('secret-aaaa');
    expect((await failure(openVault(dir, { env: { CONVEYOR_SECRET_KEY: oldKey } as NodeJS.ProcessEnv }))).code).toBe('E_VAULT_KEY_WRONG');
  });

  it('finishes a rotation cut short after vault.json was written, and undoes one cut short before', async () => {
    const dir = tmp();
    const vault = await openVault(dir, { ...NO_ENV, nodeTypes: types });
    await vault.create(apiKey('A', 'secret-aaaa'));
    const keyFile = path.join(dir, 'secret.key');
    const oldKey = readFileSync(keyFile, 'utf8');
    // Cut before vault.json changed: a stray secret.key.new is removed, the old key stays.
    writeFileSync(path.join(dir, 'secret.key.new'), `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    expect((await (await openVault(dir, NO_ENV)).lookup('A'))?.secrets.key).toBe('secret-aaaa');
    expect(existsSync(path.join(dir, 'secret.key.new'))).toBe(false);
    expect(readFileSync(keyFile, 'utf8')).toBe(oldKey);
    // Cut after vault.json was rewritten: the new key is put in place.
    await vault.rotateKey();
    const newKey = readFileSync(keyFile, 'utf8');
    writeFileSync(keyFile, oldKey, { mode: 0o600 });
    writeFileSync(path.join(dir, 'secret.key.new'), newKey, { mode: 0o600 });
    expect((await (await openVault(dir, NO_ENV)).lookup('A'))?.secrets.key).toBe('secret-aaaa');
    expect(readFileSync(keyFile, 'utf8')).toBe(newKey);
  });

  it('rotates a key from CONVEYOR_SECRET_KEY only to a given new key', async () => {
    const dir = tmp();
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('hex');
    const vault = await openVault(dir, { env: { CONVEYOR_SECRET_KEY: oldKey } as NodeJS.ProcessEnv, nodeTypes: types });
    await vault.create(apiKey('A', 'secret-aaaa'));
    expect((await failure(vault.rotateKey())).code).toBe('E_USAGE');
    expect((await failure(vault.rotateKey('not a key'))).code).toBe('E_VAULT_KEY_INVALID');
    expect(await vault.rotateKey(newKey)).toEqual({ credentials: 1, keySource: 'env' });
    expect(existsSync(path.join(dir, 'secret.key'))).toBe(false);
    const reopened = await openVault(dir, { env: { CONVEYOR_SECRET_KEY: newKey } as NodeJS.ProcessEnv });
    expect((await reopened.lookup('A'))?.secrets.key).toBe('secret-aaaa');
    expect((await failure(openVault(dir, { env: { CONVEYOR_SECRET_KEY: oldKey } as NodeJS.ProcessEnv }))).code).toBe('E_VAULT_KEY_WRONG');
  });

  it('serialises concurrent changes: none is lost', async () => {
    const dir = tmp();
    const vault = await openVault(dir, { ...NO_ENV, nodeTypes: types });
    await Promise.all(Array.from({ length: 12 }, (_, i) => vault.create(apiKey(`C${i}`, `secret-${i}-xyz`))));
    const reopened = await openVault(dir, NO_ENV);
    expect(reopened.list()).toHaveLength(12);
    for (let i = 0; i < 12; i++) expect((await reopened.lookup(`C${i}`))?.secrets.key).toBe(`secret-${i}-xyz`);
  });
});
