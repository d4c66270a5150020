import { z } from 'zod';

/**
 * A param that names a credential of the vault (flows hold the name, never a secret). The studio
 * shows it as a select of the credentials of `kind`; an empty string means "no credential".
 *
 *   credential: credentialParam(['basic', 'api_key'], 'The credential sent with the request.')
 */
export function credentialParam(kind: string | string[], description: string, title = 'Credential') {
  return z
    .string()
    .trim()
    .max(100, 'A credential name has at most 100 characters.')
    .default('')
    .describe(description)
    .meta({ title, widget: 'credential', kind });
}
