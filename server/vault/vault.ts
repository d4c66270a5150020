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
    const file = await readVaultFile(vaultPath);

    const env = opts.env ?? process.env;
    const fromEnv = typeof env[KEY_ENV] === 'string' && env[KEY_ENV] !== '';
    let key: Buffer | null = null;
    if (fromEnv) {
      key = parseKey(env[KEY_ENV]!, `${KEY_ENV}`);
    } else {
      await finishRotation(dir, file);
      const keyPath = path.join(dir, KEY_FILE);
      if (await exists(keyPath)) key = await readKeyFile(keyPath);
    }
    if (file.credentials.length && !key) {
      throw new ConveyorError(
        'E_VAULT_KEY_MISSING',
        `The vault (${vaultPath}) holds ${file.credentials.length} credential${file.credentials.length === 1 ? '' : 's'}, but there is no key to decrypt ${file.credentials.length === 1 ? 'it' : 'them'}: ${KEY_ENV} is not set and ${path.join(dir, KEY_FILE)} does not exist.`,
        `Set ${KEY_ENV} to the vault's key, or put its key file back. Without the key the credentials cannot be used: delete vault.json and create them again.`,
        500,
      );
    }
    if (key && file.keyId && keyId(key) !== file.keyId) {
      throw new ConveyorError(
        'E_VAULT_KEY_WRONG',
        `The vault key (${fromEnv ? KEY_ENV : path.join(dir, KEY_FILE)}) is not the key that encrypted ${vaultPath}.`,
        fromEnv
          ? `Set ${KEY_ENV} to the key used when the credentials were saved (after a rotate-key, the new one).`
          : `Restore the key file that belongs to this vault, or set ${KEY_ENV} to that key.`,
        500,
      );
    }
    return new Vault(dir, file, key, fromEnv, opts);
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
    const entry = this.file.credentials.find((c) => c.name === name);
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
      const next = newKeyText ? parseKey(newKeyText, 'The new key (--new-key)') : newKey();
      const plain = file.credentials.map((c) => ({ entry: c, secrets: this.decrypt(c) }));
      const credentials = plain.map(({ entry, secrets }) => ({ ...entry, secrets: seal(next, JSON.stringify(secrets), aad(entry.id)) }));
      const nextFile: VaultFile = { ...file, keyId: keyId(next), credentials };
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
    if (!this.key) throw new ConveyorError('E_VAULT_KEY_MISSING', 'The vault has no key to decrypt its credentials.', `Set ${KEY_ENV} or restore ${KEY_FILE}.`, 500);
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
    const key = newKey();
    await writeKeyFile(path.join(this.dir, KEY_FILE), key);
    this.key = key;
    return key;
  }

  private async write(file: VaultFile): Promise<void> {
    await writeAtomic(path.join(this.dir, VAULT_FILE), `${JSON.stringify(file, null, 2)}\n`);
  }

  /** Changes run one at a time: each reads the current file, the new one is on disk before the next starts. */
  private mutate<T>(change: (file: VaultFile) => Promise<{ next: VaultFile; result: T; written?: boolean }>): Promise<T> {
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

async function readVaultFile(file: string): Promise<VaultFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { format: FORMAT, keyId: null, credentials: [] };
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  const checked = fileSchema.safeParse(parsed);
  if (!checked.success) {
    throw new ConveyorError('E_VAULT_CORRUPT', `The vault file ${file} is damaged (it is not a vault Conveyor wrote).`, 'Restore it from a backup; or move it away and create the credentials again.', 500);
  }
  return checked.data as VaultFile;
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
    const problems = (result.success ? [] : zodProblems(result.error)).map((p) => {
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
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  throw invalid(zodProblems(result.error));
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
