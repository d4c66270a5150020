import { Router } from 'express';
import { z } from 'zod';
import { ConveyorError } from '../errors.ts';
import { parseBody } from './parse.ts';
import type { Vault } from '../vault/vault.ts';
import { testCredential, type CredentialTestInput } from '../vault/credential-test.ts';

export interface CredentialRouteOptions {
  /** Hosts a connection test of the credential with this name may reach besides CONVEYOR_ALLOW_HOSTS. */
  allowHostsFor?: (name: string) => Promise<string[]>;
}

/**
 * A test's body (CredentialTestBody): as loose as the form that sends it — unknown fields and
 * non-text secrets are passed over — but a value of the wrong kind is refused (400) before anything
 * is looked up or connected to: `scope.hosts` as text or an object crashed the test (500).
 */
const testBody = z.object({
  id: z.string().optional(),
  name: z.string().optional(),
  kind: z.string().optional(),
  fields: z.record(z.string(), z.unknown()).optional(),
  secrets: z.record(z.string(), z.unknown()).optional(),
  scope: z.looseObject({ hosts: z.array(z.string()).optional() }).optional(),
  url: z.string().optional(),
});

function record(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** Secrets given in a test body: empty ones are left out (a stored credential keeps its own). */
function givenSecrets(v: unknown): Record<string, string> {
  return Object.fromEntries(Object.entries(record(v)).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
}

/**
 * Credentials (docs/api.md, "Credentials"); mounted at /api/credentials. No answer ever holds a
 * secret value: a secret field is reported as `{ set: true }`, and can be replaced but not read. A
 * body that is not JSON is answered without quoting it (error-handler.ts), as everywhere.
 */
export function credentialRoutes(vault: Vault, opts: CredentialRouteOptions = {}): Router {
  const router = Router();

  router.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  router.get('/', (_req, res) => {
    res.json(vault.list());
  });

  router.get('/kinds', (_req, res) => {
    res.json(vault.kinds());
  });

  /**
   * Tests the form's values before (or without) saving: { kind, fields, secrets, scope?, url?, id? }.
   * With `id`, the stored credential fills what the form leaves out (its secrets are never sent to
   * the page, so an edit form has them empty).
   */
  router.post('/test', async (req, res) => {
    const body = parseBody(testBody, req.body);
    const stored = body.id ? await vault.lookup(vault.get(body.id).name) : null;
    const kind = stored?.kind ?? body.kind ?? '';
    const input: CredentialTestInput = {
      kind,
      fields: { ...(stored?.fields ?? {}), ...(body.fields ?? {}) },
      secrets: { ...(stored?.secrets ?? {}), ...givenSecrets(body.secrets) },
      scope: body.scope?.hosts ? { hosts: body.scope.hosts } : stored?.scope,
      url: body.url,
    };
    const name = body.name ?? stored?.name;
    res.json(await testCredential(input, { allowHosts: name && opts.allowHostsFor ? await opts.allowHostsFor(name) : [] }));
  });

  /** Tests a stored credential as it is: { url? } for api_key and basic. */
  router.post('/:id/test', async (req, res) => {
    // Checked like the form's test: a url that is not text was passed over, and the test ran without it.
    const { url } = parseBody(testBody.pick({ url: true }), req.body);
    const stored = await vault.lookup(vault.get(req.params.id).name);
    if (!stored) throw new ConveyorError('E_CREDENTIAL_NOT_FOUND', `There is no credential "${req.params.id}".`, 'Open the Credentials page to see the credentials that exist.', 404);
    const input: CredentialTestInput = { kind: stored.kind, fields: stored.fields, secrets: stored.secrets, scope: stored.scope, url };
    res.json(await testCredential(input, { allowHosts: opts.allowHostsFor ? await opts.allowHostsFor(stored.name) : [] }));
  });

  router.get('/:id', (req, res) => {
    res.json(vault.get(req.params.id));
  });

  router.post('/', async (req, res) => {
    res.status(201).json(await vault.create(req.body));
  });

  router.put('/:id', async (req, res) => {
    res.json(await vault.update(req.params.id, req.body));
  });

  router.delete('/:id', async (req, res) => {
    await vault.remove(req.params.id);
    res.status(204).end();
  });

  return router;
}
