import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from './support.ts';

let server: Awaited<ReturnType<typeof startTestServer>>;
const savedKey = process.env.CONVEYOR_SECRET_KEY;

beforeAll(async () => {
  delete process.env.CONVEYOR_SECRET_KEY;
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
  if (savedKey !== undefined) process.env.CONVEYOR_SECRET_KEY = savedKey;
});

const SECRET = 'hunter2-correct-horse';

describe('REST /api/credentials', () => {
  it('creates, lists, edits and deletes credentials without ever answering a secret', async () => {
    const body = { name: 'Billing', kind: 'basic', fields: { username: 'ada' }, secrets: { password: SECRET }, scope: { nodeTypes: ['core.http-request'], hosts: ['billing.example.com'] } };
    const created = await server.api('POST', '/api/credentials', body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Billing', kind: 'basic', fields: { username: 'ada' }, secrets: { password: { set: true } }, scope: body.scope });
    expect(created.body.id).toMatch(/^cred_/);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const id = created.body.id;

    const answers = [created.body];
    const list = await server.api('GET', '/api/credentials');
    answers.push(list.body);
    expect(list.body.map((c: { name: string }) => c.name)).toEqual(['Billing']);
    answers.push((await server.api('GET', `/api/credentials/${id}`)).body);

    const renamed = await server.api('PUT', `/api/credentials/${id}`, { name: 'Billing (prod)', fields: { username: 'grace' } });
    answers.push(renamed.body);
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Billing (prod)', fields: { username: 'grace' }, secrets: { password: { set: true } } });
    expect((await server.conveyor.vault.lookup('Billing (prod)'))?.secrets.password).toBe(SECRET);
    const replaced = await server.api('PUT', `/api/credentials/${id}`, { secrets: { password: 'new-password' } });
    answers.push(replaced.body);
    expect((await server.conveyor.vault.lookup('Billing (prod)'))?.secrets.password).toBe('new-password');

    const kinds = await server.api('GET', '/api/credentials/kinds');
    expect(kinds.body.map((k: { kind: string }) => k.kind)).toEqual(['api_key', 'basic', 'ai_endpoint', 'imap', 'smtp', 'webhook_secret']);
    expect(kinds.body.find((k: { kind: string }) => k.kind === 'basic').schema.properties.password).toMatchObject({ type: 'string', writeOnly: true });

    expect(JSON.stringify(answers)).not.toContain(SECRET);
    expect(JSON.stringify(answers)).not.toContain('new-password');

    expect((await server.api('DELETE', `/api/credentials/${id}`)).status).toBe(204);
    expect((await server.api('GET', '/api/credentials')).body).toEqual([]);
  });

  it('answers coded errors: invalid (422 with problems), name taken (409), not found (404), body not JSON (400, not quoted)', async () => {
    const ok = { name: 'Key', kind: 'api_key', secrets: { key: SECRET }, scope: { nodeTypes: ['core.http-request'] } };
    expect((await server.api('POST', '/api/credentials', ok)).status).toBe(201);
    const taken = await server.api('POST', '/api/credentials', { ...ok, name: 'KEY' });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('E_CREDENTIAL_NAME_TAKEN');

    const invalid = await server.api('POST', '/api/credentials', { name: '', kind: 'api_key', fields: { header: 'Not a header', extra: 1 }, secrets: { key: 'x' }, scope: { nodeTypes: [] } });
    expect(invalid.status).toBe(422);
    expect(invalid.body.error.code).toBe('E_CREDENTIAL_INVALID');
    expect(invalid.body.error.problems.map((p: { path: string }) => p.path)).toEqual(expect.arrayContaining(['$.name', '$.scope.nodeTypes']));
    const values = await server.api('POST', '/api/credentials', { name: 'V', kind: 'api_key', fields: { header: 'Not a header' }, secrets: { key: 'x' }, scope: { nodeTypes: ['core.http-request'] } });
    expect(values.body.error.problems.map((p: { path: string }) => p.path).sort()).toEqual(['$.fields.header', '$.secrets.key']);

    const missing = await server.api('PUT', '/api/credentials/cred_nope', { name: 'x' });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('E_CREDENTIAL_NOT_FOUND');
    expect((await server.api('DELETE', '/api/credentials/cred_nope')).body.error.code).toBe('E_CREDENTIAL_NOT_FOUND');

    // Node quotes the bytes around a parse error ("Unexpected token 'h', ...": {"key": hunter2-co"... is not valid JSON").
    const broken = await server.api('POST', '/api/credentials', `{"secrets": {"key": ${SECRET}}}`);
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('E_BODY_INVALID');
    expect(JSON.stringify(broken.body)).not.toContain(SECRET.slice(0, 8));
  });

  it('refuses a connection test whose values are of the wrong kind (400 naming the field), never a 500, never echoing a secret', async () => {
    for (const hosts of ['api.example.com', { a: 1 }, [1]]) {
      const res = await server.api('POST', '/api/credentials/test', { kind: 'api_key', secrets: { key: SECRET }, scope: { hosts }, url: 'https://api.example.com/me' });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'E_BODY_INVALID', hint: expect.any(String) });
      expect(res.body.error.problems.map((p: { path: string }) => p.path)[0]).toMatch(/^\$\.scope\.hosts/);
      expect(JSON.stringify(res.body)).not.toContain(SECRET);
    }
    const url = await server.api('POST', '/api/credentials/test', { kind: 'api_key', secrets: { key: SECRET }, url: 42 });
    expect(url.status).toBe(400);
    expect(url.body.error.problems.map((p: { path: string }) => p.path)).toEqual(['$.url']);
    // A saved credential's test too: the url is checked, not passed over (the test would run without it).
    const saved = await server.api('POST', '/api/credentials', { name: 'Probe key', kind: 'api_key', secrets: { key: SECRET }, scope: { nodeTypes: ['core.http-request'] } });
    const savedUrl = await server.api('POST', `/api/credentials/${saved.body.id}/test`, { url: ['https://api.example.com'] });
    expect([savedUrl.status, savedUrl.body.error.code, savedUrl.body.error.problems.map((p: { path: string }) => p.path)]).toEqual([400, 'E_BODY_INVALID', ['$.url']]);
  });
});
