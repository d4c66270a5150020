import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Json } from '../../nodes/sdk/types.ts';
import { ConveyorError } from '../errors.ts';
import { zodProblems, type FlowProblem } from '../contract/flow/problems.ts';
import type { CredentialScope, CredentialSource, StoredCredential } from '../engine/credentials.ts';
import { keyId, newKey, open as openBox, parseKey, seal, type SealedBox } from './crypto.ts';
import { exists, KEY_ENV, KEY_FILE, NEW_KEY_FILE, readKeyFile, syncDir, VAULT_FILE, writeAtomic, writeKeyFile } from './files.ts';
import { credentialKind, kindInfos, type CredentialKind, type CredentialKindInfo } from './kinds.ts';
import { storeChoice, type StoreChoice } from '../store/open-store.ts';
import type { PgVaultRow } from './pg-vault.ts';
import type { CredentialView } from '../contract/wire/credentials.ts';
export type { CredentialView };

const FORMAT = 'conveyor.vault/v1';

/** One credential as vault.json stores it: the secrets are one AES-256-GCM box (a JSON object inside). */
interface StoredEntry {
  id: string;
  name: string;
  kind: string;
  fields: { [key: string]: Json };
  secrets: SealedBox;
  scope: CredentialScope;
  createdAt: string;
  updatedAt: string;
}

interface VaultFile {
  format: typeof FORMAT;
  /** Fingerprint of the key that encrypted the secrets (null while the vault is empty and has no key). */
  keyId: string | null;
  credentials: StoredEntry[];
}

export interface VaultOptions {
  /** Environment to read CONVEYOR_SECRET_KEY from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Node types that exist: a scope naming another type is refused. */
  nodeTypes?: () => string[];
  /**
   * Where the credentials live (default: the store the environment chooses): beside the embedded
   * store in DATA_DIR/vault.json; on PostgreSQL in its `vault` table, shared by every studio and
   * worker (pg-vault.ts).
   */
  store?: StoreChoice;
}

const fileSchema = z.object({
  format: z.literal(FORMAT),
  keyId: z.string().nullable(),
  credentials: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      kind: z.string(),
      fields: z.record(z.string(), z.any()),
      secrets: z.object({ alg: z.literal('aes-256-gcm'), iv: z.string(), tag: z.string(), data: z.string() }),
      scope: z.object({ nodeTypes: z.array(z.string()), hosts: z.array(z.string()).optional() }),
      createdAt: z.string(),
      updatedAt: z.string(),
    }),
  ),
});

const HOST_PATTERN = /^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/;

const nameSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty: give the credential a name')
  .max(100, 'must have at most 100 characters')
  .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters');

const scopeSchema = z
  .object({
    nodeTypes: z
      .array(z.string().trim().min(1).max(100))
      .min(1, 'must name at least one node type that may use the credential, e.g. core.http-request')
      .max(100),
    hosts: z
      .array(
        z
          .string()
          .trim()
          .toLowerCase()
          .max(260)
          .regex(HOST_PATTERN, 'must be a host name like api.example.com or *.example.com (optionally with :port), without https:// or a path'),
      )
      .max(100)
      .optional(),
  })
  .strict();

const valuesSchema = z.record(z.string(), z.unknown());

const createBody = z
  .object({
    name: nameSchema,
    kind: z.string().min(1, 'must name the kind of credential'),
    fields: valuesSchema.default({}),
    secrets: valuesSchema.default({}),
    scope: scopeSchema,
  })
  .strict();

const updateBody = z
  .object({
    name: nameSchema.optional(),
    kind: z.string().optional(),
    fields: valuesSchema.optional(),
    secrets: valuesSchema.optional(),
    scope: scopeSchema.optional(),
  })
  .strict();

/**
 * The credential vault: DATA_DIR/vault.json, written atomically, each credential's secrets
 * encrypted with AES-256-GCM under the key from CONVEYOR_SECRET_KEY or DATA_DIR/secret.key.
 * Nothing in it is ever returned in clear except by `lookup`, which the engine uses for a step.
 */
export class Vault implements CredentialSource {
  private queue: Promise<unknown> = Promise.resolve();
  /** On PostgreSQL: the shared row, and a read of it under way (another process changed it). */
  private pg: PgVaultRow | null = null;
  private reading: Promise<void> | null = null;

  private constructor(
    private readonly dir: string,
    private file: VaultFile,
    private key: Buffer | null,
    private readonly keyFromEnv: boolean,
    private readonly opts: VaultOptions,
  ) {}

  static async open(dataDir: string, opts: VaultOptions = {}): Promise<Vault> {
    const dir = path.resolve(dataDir);
    await mkdir(dir, { recursive: true });
    const vaultPath = path.join(dir, VAULT_FILE);
    await rm(`${vaultPath}.tmp`, { force: true });
    await rm(path.join(dir, `${KEY_FILE}.tmp`), { force: true });
    await rm(path.join(dir, `${NEW_KEY_FILE}.tmp`), { force: true });
    const env = opts.env ?? process.env;
    const choice = opts.store ?? storeChoice(env);
    if (choice.kind === 'postgres') return openShared(dir, choice.url, env, opts);
    const file = await readVaultFile(vaultPath);

    const fromEnv = typeof env[KEY_ENV] === 'string' && env[KEY_ENV] !== '';
    let key: Buffer | null = null;
    if (fromEnv) {
      key = parseKey(env[KEY_ENV]!, `${KEY_ENV}`);
    } else {
      await finishRotation(dir, file);
      const keyPath = path.join(dir, KEY_FILE);
      if (await exists(keyPath)) key = await readKeyFile(keyPath);
      // The key file is only ever written once vault.json exists (`writeKey`): a key without a vault
      // is a vault.json deleted or moved, whose credentials an empty vault would lose without a word.
      if (key && !(await exists(vaultPath))) throw vaultGone(vaultPath, keyPath);
    }
    checkKey(file, key, { vault: vaultPath, key: fromEnv ? KEY_ENV : path.join(dir, KEY_FILE), fromEnv, missing: `${KEY_ENV} is not set and ${path.join(dir, KEY_FILE)} does not exist`, lost: 'delete vault.json and create them again' });
    return new Vault(dir, file, key, fromEnv, opts);
  }

  /** openShared's way in: a vault whose document is the PostgreSQL row. */
  static onRow(dir: string, file: VaultFile, key: Buffer | null, keyFromEnv: boolean, opts: VaultOptions, row: PgVaultRow): Vault {
    const vault = new Vault(dir, file, key, keyFromEnv, opts);
    vault.pg = row;
    return vault;
  }

  /** Another process changed the credentials (NOTIFY): the row is read again. */
  reload(): Promise<void> {
    if (!this.pg) return Promise.resolve();
    this.reading ??= this.pg
      .read()
      .then((text) => {
        this.file = text ? parseVaultDoc(text, this.pg!.where) : emptyFile();
      })
      .catch(() => undefined)
      .finally(() => (this.reading = null));
    return this.reading;
  }

  /** Closes the PostgreSQL connections (nothing to close for vault.json). */
  async close(): Promise<void> {
    await this.queue;
    await this.pg?.close();
  }

  /** Where the key comes from: the environment, the key file, or none yet (made with the first credential). */
  get keySource(): 'env' | 'file' | 'none' {
    return this.keyFromEnv ? 'env' : this.key ? 'file' : 'none';
  }

  kinds(): CredentialKindInfo[] {
    return kindInfos();
  }

  list(): CredentialView[] {
    return this.file.credentials.map(view).sort((a, b) => a.name.localeCompare(b.name));
  }

  get(id: string): CredentialView {
    return view(this.entry(id));
  }

  async lookup(name: string): Promise<StoredCredential | null> {
    let entry = this.file.credentials.find((c) => c.name === name);
    // On PostgreSQL a credential saved a moment ago on another studio may not have been told yet.
    if (!entry && this.pg) {
      await this.reload();
      entry = this.file.credentials.find((c) => c.name === name);
    }
    if (!entry) return null;
    return { id: entry.id, name: entry.name, kind: entry.kind, fields: structuredClone(entry.fields), secrets: this.decrypt(entry), scope: structuredClone(entry.scope) };
  }

  create(body: unknown): Promise<CredentialView> {
    return this.mutate(async (file) => {
      const input = parse(createBody, body);
      const kind = kindOrThrow(input.kind);
      const scopeProblems = this.scopeProblems(input.scope);
      const { fields, secrets } = splitValues(kind, { ...input.fields, ...input.secrets }, input.fields, input.secrets, scopeProblems);
      this.checkName(file, input.name, null);
      const key = await this.writeKey();
      const now = new Date().toISOString();
      const id = `cred_${randomBytes(8).toString('hex')}`;
      const entry: StoredEntry = { id, name: input.name, kind: kind.kind, fields, secrets: seal(key, JSON.stringify(secrets), aad(id)), scope: normalScope(input.scope), createdAt: now, updatedAt: now };
      return { next: { ...file, keyId: keyId(key), credentials: [...file.credentials, entry] }, result: view(entry) };
    });
  }

  /** Changes a credential. Secrets left out (or empty) keep their value; the kind cannot change. */
  update(id: string, body: unknown): Promise<CredentialView> {
    return this.mutate(async (file) => {
      const entry = this.entry(id);
      const input = parse(updateBody, body);
      if (input.kind !== undefined && input.kind !== entry.kind) {
        throw invalid([{ path: '$.kind', message: `The kind of a credential cannot change (it is ${entry.kind}): create a new credential instead.` }]);
      }
      const kind = kindOrThrow(entry.kind);
      const scopeProblems = input.scope ? this.scopeProblems(input.scope) : [];
      const name = input.name ?? entry.name;
      const givenSecrets = Object.fromEntries(Object.entries(input.secrets ?? {}).filter(([, v]) => v !== '' && v !== null && v !== undefined));
      const givenFields = Object.fromEntries(Object.entries(input.fields ?? {}).filter(([k, v]) => !(kind.secret.includes(k) && (v === '' || v === null))));
      const current = this.decrypt(entry);
      const merged = { ...entry.fields, ...current, ...givenFields, ...givenSecrets };
      const { fields, secrets } = splitValues(kind, merged, givenFields, givenSecrets, scopeProblems);
      this.checkName(file, name, id);
      const key = await this.writeKey();
      const updated: StoredEntry = {
        ...entry,
        name,
        fields,
        secrets: seal(key, JSON.stringify(secrets), aad(entry.id)),
        scope: input.scope ? normalScope(input.scope) : entry.scope,
        updatedAt: new Date().toISOString(),
      };
      return { next: { ...file, keyId: keyId(key), credentials: file.credentials.map((c) => (c.id === id ? updated : c)) }, result: view(updated) };
    });
  }

  remove(id: string): Promise<void> {
    return this.mutate(async (file) => {
      this.entry(id);
      return { next: { ...file, credentials: file.credentials.filter((c) => c.id !== id) }, result: undefined };
    });
  }

  /**
   * Re-encrypts every credential under a new key. Key file: the new key is written to
   * secret.key.new, vault.json is rewritten, then secret.key.new replaces secret.key (a crash in
   * between is finished on the next open). With CONVEYOR_SECRET_KEY, `newKeyText` is required and
   * the operator sets the variable to it afterwards.
   */
  rotateKey(newKeyText?: string): Promise<{ credentials: number; keySource: 'env' | 'file' }> {
    return this.mutate(async (file) => {
      if (this.keyFromEnv && !newKeyText) {
        throw new ConveyorError(
          'E_USAGE',
          `The vault key comes from ${KEY_ENV}, so the new key must be given: rotate-key --new-key <key>.`,
          `Generate one with \`openssl rand -base64 32\`, run \`conveyor rotate-key --new-key <it>\`, then set ${KEY_ENV} to it before starting Conveyor again.`,
          2,
        );
      }
      if (this.pg && !newKeyText) throw sharedKeyNeeded('rotate the key', 'rotate-key --new-key <key>');
      const next = newKeyText ? parseKey(newKeyText, 'The new key (--new-key)') : newKey();
      const plain = file.credentials.map((c) => ({ entry: c, secrets: this.decrypt(c) }));
      const credentials = plain.map(({ entry, secrets }) => ({ ...entry, secrets: seal(next, JSON.stringify(secrets), aad(entry.id)) }));
      const nextFile: VaultFile = { ...file, keyId: keyId(next), credentials };
      if (this.pg) {
        // The row is written by mutate; every studio and worker must be given the new key.
        this.key = next;
        return { next: nextFile, result: { credentials: credentials.length, keySource: 'env' as const } };
      }
      if (this.keyFromEnv) {
        await this.write(nextFile);
      } else {
        const keyPath = path.join(this.dir, KEY_FILE);
        const newKeyPath = path.join(this.dir, NEW_KEY_FILE);
        await writeKeyFile(newKeyPath, next);
        await this.write(nextFile);
        await rename(newKeyPath, keyPath);
        await syncDir(this.dir);
      }
      this.key = next;
      return { next: nextFile, result: { credentials: credentials.length, keySource: this.keyFromEnv ? 'env' : 'file' }, written: true };
    });
  }

  private entry(id: string): StoredEntry {
    const entry = this.file.credentials.find((c) => c.id === id);
    if (!entry) throw new ConveyorError('E_CREDENTIAL_NOT_FOUND', `There is no credential ${id}.`, 'Refresh the credentials list: it may have been deleted.', 404);
    return entry;
  }

  private decrypt(entry: StoredEntry): { [key: string]: string } {
    if (!this.key) throw new ConveyorError('E_VAULT_KEY_MISSING', 'The vault has no key to decrypt its credentials.', `Set ${KEY_ENV} or restore ${KEY_FILE}.`, 503);
    // On PostgreSQL another process may have rotated the key since this one started.
    if (this.pg && this.file.keyId && keyId(this.key) !== this.file.keyId) throw wrongSharedKey(this.pg.where);
    const parsed = JSON.parse(openBox(this.key, entry.secrets, aad(entry.id))) as { [key: string]: string };
    return parsed;
  }

  private checkName(file: VaultFile, name: string, selfId: string | null): void {
    const clash = file.credentials.find((c) => c.id !== selfId && c.name.toLowerCase() === name.toLowerCase());
    if (clash) {
      throw new ConveyorError('E_CREDENTIAL_NAME_TAKEN', `A credential named "${clash.name}" already exists.`, 'Choose another name: flows refer to credentials by name, so names must be unique.', 409);
    }
  }

  private scopeProblems(scope: z.infer<typeof scopeSchema>): FlowProblem[] {
    const known = this.opts.nodeTypes?.();
    if (!known) return [];
    return scope.nodeTypes.flatMap((t, i) => (known.includes(t) ? [] : [{ path: `$.scope.nodeTypes[${i}]`, message: `There is no node type "${t}".` }]));
  }

  /** The key new secrets are encrypted with; the first credential creates the key file (mode 0600). */
  private async writeKey(): Promise<Buffer> {
    if (this.key) return this.key;
    // A key made here would exist on this machine only: the other studios and workers could not read what it encrypts.
    if (this.pg) throw sharedKeyNeeded('save a credential', 'restart this studio with it');
    const key = newKey();
    // vault.json first (empty yet), so that a key file on disk always has its vault beside it (`open`).
    if (!(await exists(path.join(this.dir, VAULT_FILE)))) await this.write(this.file);
    await writeKeyFile(path.join(this.dir, KEY_FILE), key);
    this.key = key;
    return key;
  }

  private async write(file: VaultFile): Promise<void> {
    await writeAtomic(path.join(this.dir, VAULT_FILE), `${JSON.stringify(file, null, 2)}\n`);
  }

  /**
   * Changes run one at a time: each reads the current file, the new one is on disk before the next
   * starts. On PostgreSQL each runs on the row as it is, under its lock, whatever other processes did.
   */
  private mutate<T>(change: (file: VaultFile) => Promise<{ next: VaultFile; result: T; written?: boolean }>): Promise<T> {
    const pg = this.pg;
    if (pg) {
      const run = this.queue.then(() =>
        pg.transact(async (text) => {
          this.file = text ? parseVaultDoc(text, pg.where) : emptyFile();
          const { next, result } = await change(this.file);
          return { text: JSON.stringify(next), keyId: next.keyId, result: { next, result } };
        }),
      ).then(({ next, result }) => {
        this.file = next;
        return result;
      });
      this.queue = run.catch(() => undefined);
      return run;
    }
    const run = this.queue.then(async () => {
      const { next, result, written } = await change(this.file);
      if (!written) await this.write(next);
      this.file = next;
      return result;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}

export function openVault(dataDir: string, opts: VaultOptions = {}): Promise<Vault> {
  return Vault.open(dataDir, opts);
}

function vaultGone(vaultPath: string, keyPath: string): ConveyorError {
  return new ConveyorError(
    'E_VAULT_CORRUPT',
    `The vault ${vaultPath} is missing, though its key ${keyPath} is there: the credentials it held are gone (the file was deleted or moved). The studio did not start with an empty vault.`,
    `Put vault.json back, or restore the data folder from a backup ("npx conveyor store restore DIR"). To start again with no credentials, move ${keyPath} away too.`,
    500,
  );
}

function emptyFile(): VaultFile {
  return { format: FORMAT, keyId: null, credentials: [] };
}

async function readVaultFile(file: string): Promise<VaultFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyFile();
    throw err;
  }
  return parseVaultDoc(text, `file ${file}`);
}

/** A vault document (vault.json, or the PostgreSQL row), checked. */
export function parseVaultDoc(text: string, where: string): VaultFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  const checked = fileSchema.safeParse(parsed);
  if (!checked.success) {
    throw new ConveyorError('E_VAULT_CORRUPT', `The vault ${where} is damaged (it is not a vault Conveyor wrote).`, 'Restore it from a backup; or move it away and create the credentials again.', 500);
  }
  return checked.data as VaultFile;
}

/** Refuses a vault with credentials and no key, or with another key than the one that encrypted it. */
function checkKey(file: VaultFile, key: Buffer | null, where: { vault: string; key: string; fromEnv: boolean; missing: string; lost: string }): void {
  const n = file.credentials.length;
  if (n && !key) {
    throw new ConveyorError(
      'E_VAULT_KEY_MISSING',
      `The vault (${where.vault}) holds ${n} credential${n === 1 ? '' : 's'}, but there is no key to decrypt ${n === 1 ? 'it' : 'them'}: ${where.missing}.`,
      `Set ${KEY_ENV} to the vault's key${where.fromEnv ? '' : ', or put its key file back'}. Without the key the credentials cannot be used: ${where.lost}.`,
      503,
    );
  }
  if (key && file.keyId && keyId(key) !== file.keyId) {
    throw new ConveyorError(
      'E_VAULT_KEY_WRONG',
      `The vault key (${where.key}) is not the key that encrypted ${where.vault}.`,
      where.fromEnv
        ? `Set ${KEY_ENV} to the key used when the credentials were saved (after a rotate-key, the new one).`
        : `Restore the key file that belongs to this vault, or set ${KEY_ENV} to that key.`,
      500,
    );
  }
}

/**
 * The vault of a PostgreSQL store: its row, read with the key given by configuration (CONVEYOR_SECRET_KEY,
 * or this machine's key file). A data folder whose vault.json holds credentials from before the vault
 * moved into the database hands them over once, still encrypted, when the database has no vault yet.
 */
async function openShared(dir: string, url: string, env: NodeJS.ProcessEnv, opts: VaultOptions): Promise<Vault> {
  const { PgVaultRow } = await import('./pg-vault.ts');
  const fromEnv = typeof env[KEY_ENV] === 'string' && env[KEY_ENV] !== '';
  const keyPath = path.join(dir, KEY_FILE);
  const key = fromEnv ? parseKey(env[KEY_ENV]!, KEY_ENV) : (await exists(keyPath)) ? await readKeyFile(keyPath) : null;
  let vault: Vault | null = null;
  const row = await PgVaultRow.open(url, () => void vault?.reload());
  try {
    const where = `in the PostgreSQL store ${row.where}`;
    let text = await row.read();
    const local = path.join(dir, VAULT_FILE);
    if (!text && (await exists(local))) {
      const file = await readVaultFile(local);
      checkKey(file, key, { vault: local, key: fromEnv ? KEY_ENV : keyPath, fromEnv, missing: `${KEY_ENV} is not set and ${keyPath} does not exist`, lost: 'move vault.json away and create them again' });
      if (file.credentials.length && (await row.create(JSON.stringify(file), file.keyId))) {
        await rename(local, `${local}.moved-to-postgres`);
        text = JSON.stringify(file);
      } else {
        text = await row.read();
      }
    }
    const file = text ? parseVaultDoc(text, where) : emptyFile();
    checkKey(file, key, { vault: `the vault ${where}`, key: fromEnv ? KEY_ENV : keyPath, fromEnv, missing: `${KEY_ENV} is not set on this machine (every studio and worker needs it)`, lost: 'delete the row of the vault table and create them again' });
    vault = Vault.onRow(dir, file, key, fromEnv, opts, row);
    return vault;
  } catch (err) {
    await row.close();
    throw err;
  }
}

function sharedKeyNeeded(what: string, then: string): ConveyorError {
  return new ConveyorError(
    'E_VAULT_KEY_MISSING',
    `Cannot ${what}: on the PostgreSQL store the credentials are shared by every studio and worker, so their key must be given to each of them by configuration, and ${KEY_ENV} is not set here.`,
    `Generate a key once (\`openssl rand -base64 32\`), set ${KEY_ENV} to it for every studio and worker on this database, then ${then}.`,
    503,
  );
}

function wrongSharedKey(where: string): ConveyorError {
  return new ConveyorError(
    'E_VAULT_KEY_WRONG',
    `The credentials in the PostgreSQL store ${where} were encrypted with another key than this process's ${KEY_ENV} (it was rotated since this process started, or this machine was given another key).`,
    `Give every studio and worker the same ${KEY_ENV} (after a rotate-key, the new one) and restart this one.`,
    500,
  );
}

/** A rotation cut short: finished if vault.json already uses the new key, otherwise undone. */
async function finishRotation(dir: string, file: VaultFile): Promise<void> {
  const newKeyPath = path.join(dir, NEW_KEY_FILE);
  if (!(await exists(newKeyPath))) return;
  let fresh: Buffer | null = null;
  try {
    fresh = await readKeyFile(newKeyPath);
  } catch {
    fresh = null;
  }
  if (fresh && file.keyId && keyId(fresh) === file.keyId) {
    await rename(newKeyPath, path.join(dir, KEY_FILE));
    await syncDir(dir);
  } else {
    await rm(newKeyPath, { force: true });
  }
}

function view(entry: StoredEntry): CredentialView {
  const kind = credentialKind(entry.kind);
  const secrets: CredentialView['secrets'] = {};
  for (const name of kind?.secret ?? []) secrets[name] = { set: true };
  return { id: entry.id, name: entry.name, kind: entry.kind, fields: structuredClone(entry.fields), secrets, scope: structuredClone(entry.scope), createdAt: entry.createdAt, updatedAt: entry.updatedAt };
}

function aad(id: string): string {
  return `${FORMAT}:${id}`;
}

function normalScope(scope: z.infer<typeof scopeSchema>): CredentialScope {
  const nodeTypes = [...new Set(scope.nodeTypes)];
  const hosts = [...new Set(scope.hosts ?? [])];
  return hosts.length ? { nodeTypes, hosts } : { nodeTypes };
}

function kindOrThrow(kind: string): CredentialKind {
  const found = credentialKind(kind);
  if (!found) throw invalid([{ path: '$.kind', message: `There is no credential kind "${kind}" (known: ${kindInfos().map((k) => k.kind).join(', ')}).` }]);
  return found;
}

/**
 * Checks all the values against the kind's schema and sorts them: secret fields go to `secrets`,
 * the rest to `fields`. Problems name `$.fields.x` or `$.secrets.x`, never a value.
 */
function splitValues(
  kind: CredentialKind,
  all: Record<string, unknown>,
  givenFields: Record<string, unknown>,
  givenSecrets: Record<string, unknown>,
  otherProblems: FlowProblem[] = [],
): { fields: { [key: string]: Json }; secrets: { [key: string]: string } } {
  const result = kind.schema.safeParse(all);
  if (!result.success || otherProblems.length) {
    const problems = (result.success ? [] : zodProblems(result.error, [], all, 'The credential')).map((p) => {
      const m = /^\$\.([A-Za-z_$][A-Za-z0-9_$]*)(.*)$/.exec(p.path);
      if (!m) return p;
      const group = kind.secret.includes(m[1]) || (m[1] in givenSecrets && !(m[1] in givenFields)) ? 'secrets' : 'fields';
      return { ...p, path: `$.${group}.${m[1]}${m[2]}` };
    });
    throw invalid([...problems, ...otherProblems]);
  }
  const fields: { [key: string]: Json } = {};
  const secrets: { [key: string]: string } = {};
  for (const [k, v] of Object.entries(result.data as Record<string, Json>)) {
    if (kind.secret.includes(k)) secrets[k] = v as string;
    else fields[k] = v;
  }
  return { fields, secrets };
}

function parse<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const input = body ?? {};
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw invalid(zodProblems(result.error, [], input, 'The credential'));
}

function invalid(problems: FlowProblem[]): ConveyorError {
  return new ConveyorError(
    'E_CREDENTIAL_INVALID',
    `The credential is invalid: ${problems.map((p) => `${p.path} ${p.message}`).join(' ')}`,
    'Correct the listed fields and save again.',
    422,
    { problems },
  );
}
