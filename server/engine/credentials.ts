import type { AnyNodeDefinition, CredentialAccess, Json, ResolvedCredential } from '../../nodes/sdk/types.ts';
import { NodeError } from '../contract/node-error.ts';
import type { SecretMasker } from './secret-masker.ts';
import type { CredentialScope } from '../contract/wire/credentials.ts';
export type { CredentialScope };

/** A credential as the vault hands it to the engine: secrets decrypted, in memory only. */
export interface StoredCredential {
  id: string;
  name: string;
  kind: string;
  fields: { [key: string]: Json };
  secrets: { [key: string]: string };
  scope: CredentialScope;
}

/** Where the engine finds credentials (the vault); the engine knows nothing of files or keys. */
export interface CredentialSource {
  /** The credential with exactly this name, or null. */
  lookup(name: string): Promise<StoredCredential | null>;
}

/**
 * `ctx.credentials` for one step: resolves by name, enforces the scope (node type, host), checks
 * the kind, and registers every secret (and its encoded forms) with the run's masker before the
 * node sees it.
 */
export function credentialAccess(source: CredentialSource | undefined, def: AnyNodeDefinition, stepName: string, masker: SecretMasker): CredentialAccess {
  return {
    async get(name, request = {}) {
      if (typeof name !== 'string' || name.trim() === '') {
        throw new NodeError('E_CREDENTIAL_NOT_FOUND', `Step "${stepName}" names no credential.`, 'Pick a credential in the step settings.');
      }
      const wanted = name.trim();
      const found = source ? await source.lookup(wanted).catch((err: unknown) => {
        const e = err as { code?: string; message?: string; hint?: string };
        throw new NodeError(e.code ?? 'E_VAULT_CORRUPT', e.message ?? 'The vault could not be read.', e.hint ?? 'Check the server log.');
      }) : null;
      if (!found) {
        throw new NodeError(
          'E_CREDENTIAL_NOT_FOUND',
          `Step "${stepName}" uses the credential "${wanted}", but there is no credential with that name.`,
          'Create it on the Credentials page (names are case-sensitive), or pick another credential in the step settings.',
        );
      }
      const kinds = kindList(request.kind) ?? declaredKinds(def);
      if (kinds && !kinds.includes(found.kind)) {
        throw new NodeError(
          'E_CREDENTIAL_KIND',
          `Step "${stepName}" cannot use the credential "${found.name}": it is of kind ${found.kind}, and this step needs ${kinds.join(' or ')}.`,
          'Pick a credential of the right kind in the step settings.',
        );
      }
      if (!found.scope.nodeTypes.includes(def.type)) {
        throw new NodeError(
          'E_CREDENTIAL_SCOPE',
          `Step "${stepName}" (${def.type}) may not use the credential "${found.name}": its scope allows only ${found.scope.nodeTypes.join(', ') || 'no node type'}.`,
          `If this step should use it, add ${def.type} to the credential's node types on the Credentials page.`,
        );
      }
      const hosts = found.scope.hosts ?? [];
      // A credential that names its own server (IMAP, SMTP) is sent there and nowhere else: the step
      // cannot know the host before it has the credential, so the credential's host is the one checked.
      const ownHost = typeof found.fields.host === 'string' && found.fields.host ? withPort(found.fields.host, found.fields.port) : null;
      const target = request.host ?? ownHost;
      if (hosts.length) {
        if (!target) {
          throw new NodeError(
            'E_CREDENTIAL_SCOPE',
            `The credential "${found.name}" may only be sent to ${hosts.join(', ')}, and step "${stepName}" did not say which host it contacts.`,
            `Remove the host limit of the credential, or report to whoever maintains ${def.type} that it must pass the host to ctx.credentials.get.`,
          );
        }
        if (!hosts.some((h) => hostMatches(target, h))) {
          throw new NodeError(
            'E_CREDENTIAL_SCOPE',
            `Step "${stepName}" would send the credential "${found.name}" to ${target}, but it may only be sent to ${hosts.join(', ')}.`,
            'Check the step\'s address; if this host is right, add it to the credential\'s hosts on the Credentials page.',
          );
        }
      }
      registerSecrets(masker, found);
      return { name: found.name, kind: found.kind, fields: structuredClone(found.fields), secrets: { ...found.secrets } } satisfies ResolvedCredential;
    },
  };
}

function withPort(host: string, port: unknown): string {
  return typeof port === 'number' || (typeof port === 'string' && port !== '') ? `${host}:${port}` : host;
}

/** Every secret of a credential, and the combinations that travel together (HTTP Basic's user:password). */
export function registerSecrets(masker: SecretMasker, cred: Pick<StoredCredential, 'kind' | 'fields' | 'secrets'>): void {
  for (const value of Object.values(cred.secrets)) if (typeof value === 'string') masker.add(value);
  if (cred.kind === 'basic' && typeof cred.fields.username === 'string' && typeof cred.secrets.password === 'string') {
    const pair = `${cred.fields.username}:${cred.secrets.password}`;
    const b64 = Buffer.from(pair, 'utf8').toString('base64');
    masker.addExact(b64, b64.replace(/=+$/, ''));
    masker.add(pair);
  }
}

function kindList(kind: string | string[] | undefined): string[] | null {
  if (kind === undefined) return null;
  return Array.isArray(kind) ? kind : [kind];
}

function declaredKinds(def: AnyNodeDefinition): string[] | null {
  if (!def.credentials?.length) return null;
  return def.credentials.flatMap((c) => (Array.isArray(c.kind) ? c.kind : [c.kind]));
}

function splitHost(value: string): { name: string; port: string | null } {
  const s = value.trim().toLowerCase();
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(s);
  if (!m) return { name: s, port: null };
  return { name: m[1].replace(/\.$/, ''), port: m[2] ?? null };
}

/**
 * Whether `host` (as in `url.host`: name and, when not the default, port) matches a scope
 * pattern: the same name (case-insensitive), or `*.example.com` for any subdomain of
 * example.com (not example.com itself). A pattern with a port matches only that port.
 */
export function hostMatches(host: string, pattern: string): boolean {
  const h = splitHost(host);
  const p = splitHost(pattern);
  if (!h.name || !p.name) return false;
  if (p.port !== null && p.port !== h.port) return false;
  if (p.name.startsWith('*.')) {
    const suffix = p.name.slice(1);
    return h.name.length > suffix.length && h.name.endsWith(suffix);
  }
  return h.name === p.name;
}
