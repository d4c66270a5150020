/** Credentials as the API shows and takes them (/api/credentials): never a secret in an answer. */
import type { Json } from '../data.ts';

/** Which node types may use a credential, and at which hosts. */
export interface CredentialScope {
  nodeTypes: string[];
  /** `api.example.com`, `*.example.com` (any subdomain), optionally with `:port`. */
  hosts?: string[];
}

/** A credential as the API shows it: never a secret, only whether each secret field is set. */
export interface CredentialView {
  id: string;
  name: string;
  kind: string;
  fields: { [key: string]: Json };
  secrets: { [key: string]: { set: true } };
  scope: CredentialScope;
  createdAt: string;
  updatedAt: string;
}

/** What GET /api/credentials/kinds serves for one kind; the studio reads `schema` with its own JSON Schema type. */
export interface CredentialKindInfo<Schema = Record<string, unknown>> {
  kind: string;
  title: string;
  description: string;
  /** Names of the secret fields (also `writeOnly: true` in the schema). */
  secret: string[];
  /** JSON Schema of the fields; secret fields carry `writeOnly: true`. */
  schema: Schema;
}

/** What POST /api/credentials and PUT /api/credentials/:id take. */
export interface CredentialBody {
  name?: string;
  kind?: string;
  fields?: Record<string, unknown>;
  /** Only the secrets being set or replaced; those left out keep their value. */
  secrets?: Record<string, string>;
  scope?: CredentialScope;
}

/** The form's values to test (POST /api/credentials/test); with `id`, the saved credential fills the empty secrets. */
export interface CredentialTestBody extends CredentialBody {
  id?: string;
  /** For API key and HTTP Basic credentials: the address to call. */
  url?: string;
}

export type CredentialTestResult =
  | { ok: true; message: string; ms: number }
  | { ok: false; error: { code: string; message: string; hint: string }; ms: number };
