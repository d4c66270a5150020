import { api } from '../api/http.ts';

// The wire types are the contract's (server/contract/wire/credentials.ts).
import type { CredentialView, CredentialKindInfo as KindInfo, CredentialBody, CredentialTestBody, CredentialTestResult } from '../../server/contract/wire/credentials.ts';
import type { JSONSchema } from '../forms/schema.ts';
export type { CredentialBody, CredentialTestBody, CredentialTestResult };
export type CredentialKindInfo = KindInfo<JSONSchema>;
/** A credential as the API shows it: never a secret, only whether each secret field is set. */
export type Credential = CredentialView;

/** Kinds with a connection test. */
export const TESTABLE_KINDS = ['imap', 'smtp', 'api_key', 'basic', 'ai_endpoint'];

const enc = encodeURIComponent;

export const credentialsApi = {
  list: () => api.get<Credential[]>('/api/credentials'),
  kinds: () => api.get<CredentialKindInfo[]>('/api/credentials/kinds'),
  create: (body: CredentialBody) => api.post<Credential>('/api/credentials', body),
  update: (id: string, body: CredentialBody) => api.put<Credential>(`/api/credentials/${enc(id)}`, body),
  remove: (id: string) => api.del<void>(`/api/credentials/${enc(id)}`),
  test: (body: CredentialTestBody) => api.post<CredentialTestResult>('/api/credentials/test', body),
};
