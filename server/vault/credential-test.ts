import net from 'node:net';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { networkPolicy, type NetworkAccess } from '../../nodes/sdk/network.ts';
import { hostMatches } from '../engine/credentials.ts';
import { imapError } from '../../nodes/mail/lib/connect.ts';
import type { NodeRegistry } from '../../nodes/registry.ts';
import type { Store } from '../store/types.ts';
import type { CredentialTestResult } from '../contract/wire/credentials.ts';
export type { CredentialTestResult };

/**
 * "Test connection" for a credential (docs/api.md, "Credentials"): signs in to the mail server
 * (IMAP: login; SMTP: nodemailer's verify, i.e. greeting + AUTH) or sends one GET with the
 * credential's header to a URL the person gives (api_key, basic). The target goes through the same
 * network policy as steps: a loopback or private address is refused (E_NETWORK_BLOCKED) unless
 * CONVEYOR_ALLOW_HOSTS or the allowed hosts of a flow using the credential allow it.
 *
 * The answer never holds a secret: every secret value (and its base64) is cut out of the server's
 * message before it is returned.
 */
export interface CredentialTestInput {
  kind: string;
  fields: Record<string, unknown>;
  secrets: Record<string, string>;
  scope?: { hosts?: string[] };
  /** For api_key and basic: the address to call. */
  url?: string;
}

export interface CredentialTestOptions {
  /** Hosts allowed besides CONVEYOR_ALLOW_HOSTS (those of the flows using the credential). */
  allowHosts?: readonly string[];
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export async function testCredential(input: CredentialTestInput, opts: CredentialTestOptions = {}): Promise<CredentialTestResult> {
  const started = Date.now();
  const policy = networkPolicy(opts.allowHosts ?? [], opts.env);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const secrets = Object.values(input.secrets).filter((s) => typeof s === 'string' && s.length > 0);
  try {
    let message: string;
    if (input.kind === 'imap') message = await testImap(input, policy, timeoutMs);
    else if (input.kind === 'smtp') message = await testSmtp(input, policy, timeoutMs);
    else if (input.kind === 'api_key' || input.kind === 'basic' || input.kind === 'ai_endpoint') message = await testHttp(input, policy, timeoutMs);
    else throw new TestFailure('E_CREDENTIAL_TEST_UNSUPPORTED', `A credential of kind ${input.kind} cannot be tested.`, 'Only mailbox (IMAP), mail sending (SMTP), API key, HTTP Basic and AI endpoint credentials have a connection test.');
    return { ok: true, message: scrub(message, secrets), ms: Date.now() - started };
  } catch (err) {
    const e = asFailure(err);
    return { ok: false, error: { code: e.code, message: scrub(e.message, secrets), hint: scrub(e.hint, secrets) }, ms: Date.now() - started };
  }
}

class TestFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

function asFailure(err: unknown): TestFailure {
  if (err instanceof TestFailure) return err;
  const e = err as { code?: string; message?: string; hint?: string };
  if (e?.code === 'E_NETWORK_BLOCKED') return new TestFailure(e.code, e.message ?? '', e.hint ?? '');
  return new TestFailure('E_CREDENTIAL_TEST_FAILED', `The test failed: ${e?.message ?? String(err)}`, 'Check the server and port.');
}

/** Cuts every secret (as it is, and base64 as in AUTH PLAIN / Basic) out of a text. */
function scrub(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) {
    for (const form of [s, Buffer.from(s).toString('base64')]) out = out.split(form).join('••••');
  }
  return out;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v.trim() : '';
}

function mailServer(input: CredentialTestInput, standardPort: number, standardSecure: boolean) {
  const host = str(input.fields.host);
  const port = Number(input.fields.port ?? standardPort);
  const user = str(input.fields.user);
  const password = input.secrets.password ?? '';
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535 || !user || !password) {
    throw new TestFailure('E_CREDENTIAL_TEST_INCOMPLETE', 'Server, port, user and password are needed to test the connection.', 'Fill in every field of the form, then test again.');
  }
  const secure = typeof input.fields.secure === 'boolean' ? input.fields.secure : standardSecure;
  return { host: host.replace(/^\[|\]$/g, ''), port, user, password, secure };
}

async function testImap(input: CredentialTestInput, policy: NetworkAccess, timeoutMs: number): Promise<string> {
  const s = mailServer(input, 993, true);
  const target = await policy.resolve(s.host, s.port);
  const client = new ImapFlow({
    host: target.address,
    port: s.port,
    secure: s.secure,
    servername: net.isIP(s.host) ? undefined : s.host,
    auth: { user: s.user, pass: s.password },
    logger: false,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    disableAutoIdle: true,
    tls: { rejectUnauthorized: true },
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    client.close();
    const e = err as { authenticationFailed?: boolean; code?: string; message?: string; responseText?: string };
    if (e?.authenticationFailed) {
      // As the mail steps tell it (a wrong password, or too many sessions of the account at once).
      const refused = imapError(err, { ...s, name: '' });
      throw new TestFailure(refused.code, refused.message, refused.hint);
    }
    throw new TestFailure(
      'E_MAIL_CONNECTION',
      `Talking to the mail server ${s.host}:${s.port} failed${e?.code ? ` (${e.code})` : ''}: ${e?.responseText || e?.message || 'unknown error'}.`,
      'Check the server, the port and "TLS from the start", and that the server is reachable from the studio.',
    );
  }
  await client.logout().catch(() => client.close());
  return `Signed in to ${s.host}:${s.port} as ${s.user}.`;
}

async function testSmtp(input: CredentialTestInput, policy: NetworkAccess, timeoutMs: number): Promise<string> {
  const s = mailServer(input, 587, false);
  const target = await policy.resolve(s.host, s.port);
  const transport = nodemailer.createTransport({
    host: target.address,
    port: s.port,
    secure: s.secure,
    auth: { user: s.user, pass: s.password },
    tls: net.isIP(s.host) ? undefined : { servername: s.host },
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  try {
    await transport.verify();
  } catch (err) {
    const e = err as { code?: string; responseCode?: number; response?: string; message?: string };
    const detail = `${e?.responseCode ? ` (${e.responseCode})` : e?.code ? ` (${e.code})` : ''}: ${e?.response || e?.message || 'unknown error'}`;
    if (e?.code === 'EAUTH') throw new TestFailure('E_MAIL_AUTH', `The mail server ${s.host}:${s.port} refused the sign-in of ${s.user}${detail}.`, 'Check the user and password (some providers need an app password).');
    throw new TestFailure('E_MAIL_CONNECTION', `Talking to the mail server ${s.host}:${s.port} failed${detail}.`, 'Check the server, the port and "TLS from the start", and that the server is reachable from the studio.');
  } finally {
    transport.close();
  }
  return `Signed in to ${s.host}:${s.port} as ${s.user}.`;
}

/** An AI endpoint is tested on the model list under its base URL (every OpenAI-compatible server has one). */
function testUrl(input: CredentialTestInput): string {
  return input.kind === 'ai_endpoint' ? `${str(input.fields.baseUrl).replace(/\/+$/, '')}/models` : str(input.url);
}

async function testHttp(input: CredentialTestInput, policy: NetworkAccess, timeoutMs: number): Promise<string> {
  let url: URL;
  try {
    url = new URL(testUrl(input));
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new TestFailure('E_CREDENTIAL_TEST_URL', 'Give the address of a page the key opens (http:// or https://) to test this credential.', 'Type a URL of the service, e.g. https://api.example.com/me, then test again.');
  }
  const hosts = input.scope?.hosts ?? [];
  if (hosts.length && !hosts.some((h) => hostMatches(url.host, h))) {
    throw new TestFailure('E_CREDENTIAL_SCOPE', `This credential may only be sent to ${hosts.join(', ')}, not to ${url.host}.`, 'Test it with an address on one of its hosts, or change its hosts.');
  }
  const headers = new Headers();
  if (input.kind === 'ai_endpoint') {
    const key = input.secrets.apiKey ?? '';
    if (!key) throw new TestFailure('E_CREDENTIAL_TEST_INCOMPLETE', 'The API key is needed to test the credential.', 'Fill in the key (any text for a local server without keys), then test again.');
    headers.set('authorization', `Bearer ${key}`);
  } else if (input.kind === 'api_key') {
    const key = input.secrets.key ?? '';
    if (!key) throw new TestFailure('E_CREDENTIAL_TEST_INCOMPLETE', 'The key is needed to test the credential.', 'Fill in the key, then test again.');
    headers.set(str(input.fields.header) || 'Authorization', `${typeof input.fields.prefix === 'string' ? input.fields.prefix : ''}${key}`);
  } else {
    const username = str(input.fields.username);
    const password = input.secrets.password ?? '';
    if (!username || !password) throw new TestFailure('E_CREDENTIAL_TEST_INCOMPLETE', 'User name and password are needed to test the credential.', 'Fill in both, then test again.');
    headers.set('authorization', `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`);
  }
  const signal = AbortSignal.timeout(timeoutMs);
  let res: Response;
  try {
    res = await policy.fetch(url, { method: 'GET', headers, signal });
  } catch (err) {
    const e = err as { code?: string; message?: string; name?: string };
    if (e?.code === 'E_NETWORK_BLOCKED') throw err;
    const why = e?.name === 'TimeoutError' || e?.name === 'AbortError' ? `no answer within ${Math.round(timeoutMs / 1000)} s` : `${e?.code ? `${e.code}: ` : ''}${e?.message ?? 'unknown error'}`;
    throw new TestFailure('E_HTTP_NETWORK', `Calling ${url.origin}${url.pathname} failed (${why}).`, 'Check the address and that the service is reachable from the studio.');
  }
  await res.body?.cancel().catch(() => undefined);
  const status = `${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
  if (res.status === 401 || res.status === 403) {
    throw new TestFailure('E_HTTP_STATUS', `${url.origin}${url.pathname} refused the credential: ${status}.`, 'Check the key (or the user name and password) and, for an API key, the header and prefix the service expects.');
  }
  if (res.status >= 400) {
    throw new TestFailure('E_HTTP_STATUS', `${url.origin}${url.pathname} answered ${status}.`, 'The service answered but not with success: check the address you tested with.');
  }
  return `${url.origin}${url.pathname} answered ${status} with the credential.`;
}

/**
 * The allowed hosts of every stored flow that names the credential in a step (a connection test may
 * reach what a run of such a flow may reach).
 */
export async function flowAllowHostsFor(store: Pick<Store, 'listFlows'>, registry: NodeRegistry, name: string): Promise<string[]> {
  const hosts = new Set<string>();
  for (const row of await store.listFlows()) {
    const uses = row.doc.nodes.some((n) => (registry.get(n.type)?.credentials ?? []).some((req) => (n.params as Record<string, unknown> | undefined)?.[req.name] === name));
    if (uses) for (const h of row.doc.settings?.allowHosts ?? []) hosts.add(h);
  }
  return [...hosts];
}
