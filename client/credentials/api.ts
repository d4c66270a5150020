import { api } from '../api/http.ts';
import type { JSONSchema } from '../forms/schema.ts';

/** A credential as the API shows it: never a secret, only whether each secret field is set. */
export interface Credential {
  id: string;
  name: string;
  kind: string;
  fields: Record<string, unknown>;
  secrets: Record<string, { set: true }>;
  scope: { nodeTypes: string[]; hosts?: string[] };
  createdAt: string;
  updatedAt: string;
}

export interface CredentialKindInfo {
  kind: string;
  title: string;
  description: string;
  /** Names of the secret fields (also `writeOnly: true` in the schema). */
  secret: string[];
  schema: JSONSchema;
}

export interface CredentialBody {
  name?: string;
  kind?: string;
  fields?: Record<string, unknown>;
  /** Only the secrets being set or replaced; those left out keep their value. */
  secrets?: Record<string, string>;
  scope?: { nodeTypes: string[]; hosts?: string[] };
}

/** The form's values to test (POST /api/credentials/test); with `id`, the saved credential fills the empty secrets. */
export interface CredentialTestBody extends CredentialBody {
  id?: string;
  /** For API key and HTTP Basic credentials: the address to call. */
  url?: string;
}

export type CredentialTestResult = { ok: true; message: string; ms: number } | { ok: false; error: { code: string; message: string; hint: string }; ms: number };

/** Kinds with a connection test. */
export const TESTABLE_KINDS = ['imap', 'smtp', 'api_key', 'basic'];

const enc = encodeURIComponent;

export const credentialsApi = {
  list: () => api.get<Credential[]>('/api/credentials'),
  kinds: () => api.get<CredentialKindInfo[]>('/api/credentials/kinds'),
  create: (body: CredentialBody) => api.post<Credential>('/api/credentials', body),
  update: (id: string, body: CredentialBody) => api.put<Credential>(`/api/credentials/${enc(id)}`, body),
  remove: (id: string) => api.del<void>(`/api/credentials/${enc(id)}`),
  test: (body: CredentialTestBody) => api.post<CredentialTestResult>('/api/credentials/test', body),
};
