import { z } from 'zod';
import type { CredentialKindInfo } from '../contract/wire/credentials.ts';
export type { CredentialKindInfo };

/**
 * The kinds of credential the vault holds. Each kind is a zod schema of all its fields; the fields
 * listed in `secret` are encrypted at rest, never sent back by the API (the JSON Schema marks them
 * `writeOnly`), and masked wherever a resolved value could show up.
 */
export interface CredentialKind {
  kind: string;
  title: string;
  description: string;
  schema: z.ZodObject;
  /** Names of the secret fields. */
  secret: readonly string[];
}

/** Secrets shorter than this could not be masked without blanking ordinary text. */
export const MIN_SECRET_LENGTH = 4;

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const NO_LINE_BREAK = /^[^\r\n\0]*$/;

const host = z
  .string()
  .trim()
  .min(1, 'must not be empty: write the server name, e.g. mail.example.com')
  .max(253, 'must have at most 253 characters')
  .regex(/^[A-Za-z0-9.:[\]-]+$/, 'must be a server name only, e.g. mail.example.com (no https://, no path)')
  .describe('The server name, e.g. mail.example.com.')
  .meta({ title: 'Server' });

const port = (standard: number) =>
  z
    .number()
    .int('must be a whole number')
    .min(1, 'must be from 1 to 65535')
    .max(65535, 'must be from 1 to 65535')
    .default(standard)
    .describe(`The server's port (usually ${standard}).`)
    .meta({ title: 'Port' });

const user = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(320, 'must have at most 320 characters')
  .regex(NO_LINE_BREAK, 'must not contain a line break')
  .describe('The account to sign in with, often an email address.')
  .meta({ title: 'User' });

const secretText = (title: string, description: string, max = 4096) =>
  z
    .string()
    .min(MIN_SECRET_LENGTH, `must have at least ${MIN_SECRET_LENGTH} characters`)
    .max(max, `must have at most ${max} characters`)
    .regex(NO_LINE_BREAK, 'must not contain a line break')
    .describe(description)
    .meta({ title });

const mailKind = (kind: 'imap' | 'smtp', title: string, description: string, standardPort: number, secure: boolean): CredentialKind => ({
  kind,
  title,
  description,
  secret: ['password'],
  schema: z
    .object({
      host,
      port: port(standardPort),
      secure: z
        .boolean()
        .default(secure)
        .describe(secure ? 'On: connect with TLS from the start (port 993). Off: plain connection upgraded with STARTTLS.' : 'On: TLS from the start (port 465). Off: STARTTLS on port 587 or 25.')
        .meta({ title: 'TLS from the start' }),
      user,
      password: secretText('Password', 'The password (or app password) of the account.'),
    })
    .strict(),
});

export const CREDENTIAL_KINDS: readonly CredentialKind[] = [
  {
    kind: 'api_key',
    title: 'API key',
    description: 'A key sent in a request header, e.g. Authorization: Bearer <key> or X-Api-Key: <key>.',
    secret: ['key'],
    schema: z
      .object({
        header: z
          .string()
          .trim()
          .regex(HEADER_NAME, 'must use letters, digits and dashes only, e.g. X-Api-Key')
          .default('Authorization')
          .describe('The header that carries the key, e.g. Authorization or X-Api-Key.')
          .meta({ title: 'Header' }),
        prefix: z
          .string()
          .max(100, 'must have at most 100 characters')
          .regex(NO_LINE_BREAK, 'must not contain a line break')
          .default('')
          .describe('Text written before the key, e.g. "Bearer " (with its space); empty for none.')
          .meta({ title: 'Prefix' }),
        key: secretText('Key', 'The API key, as the service gave it.', 8192),
      })
      .strict(),
  },
  {
    kind: 'basic',
    title: 'User name and password (HTTP Basic)',
    description: 'Sent as an Authorization: Basic header.',
    secret: ['password'],
    schema: z
      .object({
        username: z
          .string()
          .trim()
          .min(1, 'must not be empty')
          .max(320, 'must have at most 320 characters')
          .regex(/^[^:\r\n\0]*$/, 'must not contain ":" or a line break (HTTP Basic)')
          .describe('The user name.')
          .meta({ title: 'User name' }),
        password: secretText('Password', 'The password.'),
      })
      .strict(),
  },
  {
    kind: 'ai_endpoint',
    title: 'AI model endpoint (OpenAI-compatible)',
    description: 'A chat-completion API: OpenAI, or a local Ollama, vLLM or llama.cpp server. Used by the AI step.',
    secret: ['apiKey'],
    schema: z
      .object({
        baseUrl: z
          .string()
          .trim()
          .max(2000, 'must have at most 2000 characters')
          .url('must be a web address, e.g. https://api.openai.com/v1')
          .regex(/^https?:\/\//i, 'must start with http:// or https://')
          .describe('The API root that has /chat/completions under it, e.g. https://api.openai.com/v1 or http://127.0.0.1:11434/v1 (Ollama).')
          .meta({ title: 'Base URL' }),
        apiKey: secretText('API key', 'The key, sent as Authorization: Bearer <key>. A local server without keys: write any text, e.g. ollama.', 8192),
      })
      .strict(),
  },
  mailKind('imap', 'Mailbox (IMAP)', 'Reads mail from a mailbox.', 993, true),
  mailKind('smtp', 'Mail sending (SMTP)', 'Sends mail through a mail server.', 587, false),
  {
    kind: 'webhook_secret',
    title: 'Webhook signing secret',
    description: 'The secret a sending service and a Webhook trigger share: the sender signs each request with it, the trigger refuses requests it did not sign (docs/security.md).',
    secret: ['secret'],
    schema: z
      .object({
        // 16 characters at least: a short HMAC key could be guessed from signed requests.
        secret: secretText('Secret', 'The signing secret, as the sending service shows it (e.g. whsec_…); at least 16 characters.').min(16, 'must have at least 16 characters'),
      })
      .strict(),
  },
];

export function credentialKind(kind: string): CredentialKind | undefined {
  return CREDENTIAL_KINDS.find((k) => k.kind === kind);
}

/** What GET /api/credentials/kinds serves. */
export function kindInfos(): CredentialKindInfo[] {
  return CREDENTIAL_KINDS.map((k) => {
    const schema = z.toJSONSchema(k.schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown> & { properties?: Record<string, Record<string, unknown>> };
    for (const name of k.secret) {
      const prop = schema.properties?.[name];
      if (prop) {
        prop.writeOnly = true;
        prop.format = 'password';
      }
    }
    return { kind: k.kind, title: k.title, description: k.description, secret: [...k.secret], schema };
  });
}
