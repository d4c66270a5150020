import http from 'node:http';
import { ImapFlow } from 'imapflow';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type Dovecot } from '../../support/mail/dovecot.ts';
import { startSmtpRelay, type SmtpRelay } from '../../support/mail/smtp.ts';
import { FLOW_FORMAT } from '../../../server/contract/flow/schema.ts';
import { startTestServer } from './support.ts';

/**
 * "Test connection" (POST /api/credentials/test and /api/credentials/:id/test) against real local
 * servers: Dovecot (IMAP), the demo SMTP relay (smtp-server) and a small HTTP service.
 */
let server: Awaited<ReturnType<typeof startTestServer>>;
let dovecot: Dovecot;
let smtp: SmtpRelay;
let web: http.Server;
let webUrl: string;
const seenAuth: string[] = [];
const savedAllow = process.env.CONVEYOR_ALLOW_HOSTS;

const IMAP_PW = 'mailbox-pw-7781';
const SMTP_PW = 'sender-pw-5512';
const KEY = 'key-abcdef-123456';

beforeAll(async () => {
  process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';
  dovecot = await startDovecot({ users: [{ name: 'inbox@test.example', password: IMAP_PW }] });
  smtp = await startSmtpRelay({ user: 'sender@test.example', password: SMTP_PW, deliver: async () => undefined });
  web = http.createServer((req, res) => {
    seenAuth.push(String(req.headers['x-api-key'] ?? req.headers.authorization ?? ''));
    const ok = req.headers['x-api-key'] === KEY || req.headers.authorization === `Basic ${Buffer.from(`ada:${KEY}`).toString('base64')}`;
    res.writeHead(ok ? 200 : 401, { 'content-type': 'text/plain' }).end(ok ? 'hello' : 'no');
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', () => r()));
  webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
  server = await startTestServer();
}, 60_000);

afterAll(async () => {
  if (savedAllow === undefined) delete process.env.CONVEYOR_ALLOW_HOSTS;
  else process.env.CONVEYOR_ALLOW_HOSTS = savedAllow;
  await server?.close();
  await dovecot?.stop();
  await smtp?.stop();
  web?.close();
});

const imap = (password: string) => ({ kind: 'imap', fields: { host: '127.0.0.1', port: dovecot.port, secure: false, user: 'inbox@test.example' }, secrets: { password } });
const smtpForm = (password: string) => ({ kind: 'smtp', fields: { host: '127.0.0.1', port: smtp.port, secure: false, user: 'sender@test.example' }, secrets: { password } });

describe('testing an IMAP credential (real Dovecot)', () => {
  it('signs in with the right password', async () => {
    const res = await server.api('POST', '/api/credentials/test', imap(IMAP_PW));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, message: `Signed in to 127.0.0.1:${dovecot.port} as inbox@test.example.` });
  });

  it('answers E_MAIL_AUTH with the server message for a wrong password, never the password', async () => {
    const res = await server.api('POST', '/api/credentials/test', imap('wrong-password-991'));
    expect(res.body.ok).toBe(false);
    expect(res.body.error.code).toBe('E_MAIL_AUTH');
    expect(res.body.error.message).toMatch(/refused the sign-in of inbox@test\.example/);
    expect(JSON.stringify(res.body)).not.toContain('wrong-password-991');
  });

  it('an account with as many sessions open as the server allows: E_MAIL_TOO_MANY_SESSIONS, not a wrong password', async () => {
    const held = new ImapFlow({ host: '127.0.0.1', port: dovecot.port, secure: false, auth: { user: 'inbox@test.example', pass: IMAP_PW }, logger: false });
    await dovecot.setSessionLimit(1);
    try {
      await held.connect();
      const res = await server.api('POST', '/api/credentials/test', imap(IMAP_PW));
      expect(res.body.ok).toBe(false);
      expect(res.body.error).toMatchObject({ code: 'E_MAIL_TOO_MANY_SESSIONS', hint: expect.stringContaining('run fewer flows on this mailbox') });
    } finally {
      await held.logout();
      await dovecot.setSessionLimit(200);
    }
  });

  it('tests a saved credential by id, and an edit form whose secret is left empty keeps the saved one', async () => {
    const created = await server.api('POST', '/api/credentials', { name: 'inbox', ...imap(IMAP_PW), scope: { nodeTypes: ['mail.wait-for-code'] } });
    expect(created.status).toBe(201);
    const byId = await server.api('POST', `/api/credentials/${created.body.id}/test`, {});
    expect(byId.body.ok).toBe(true);
    const edited = await server.api('POST', '/api/credentials/test', { id: created.body.id, fields: { user: 'inbox@test.example' }, secrets: { password: '' } });
    expect(edited.body.ok).toBe(true);
    const wrongEdit = await server.api('POST', '/api/credentials/test', { id: created.body.id, secrets: { password: 'not-the-one-44' } });
    expect(wrongEdit.body.error.code).toBe('E_MAIL_AUTH');
    expect(JSON.stringify([byId.body, edited.body, wrongEdit.body])).not.toContain(IMAP_PW);
  });
});

describe('testing an SMTP credential (smtp-server)', () => {
  it('verifies the sign-in, and a wrong password is E_MAIL_AUTH with the server answer', async () => {
    const ok = await server.api('POST', '/api/credentials/test', smtpForm(SMTP_PW));
    expect(ok.body).toMatchObject({ ok: true, message: `Signed in to 127.0.0.1:${smtp.port} as sender@test.example.` });
    const bad = await server.api('POST', '/api/credentials/test', smtpForm('nope-nope-123'));
    expect(bad.body.ok).toBe(false);
    expect(bad.body.error.code).toBe('E_MAIL_AUTH');
    expect(bad.body.error.message).toMatch(/535/);
    expect(JSON.stringify(bad.body)).not.toContain('nope-nope-123');
    expect(JSON.stringify(bad.body)).not.toContain(Buffer.from('nope-nope-123').toString('base64'));
  });

  it('a closed port is E_MAIL_CONNECTION', async () => {
    const res = await server.api('POST', '/api/credentials/test', { ...smtpForm(SMTP_PW), fields: { ...smtpForm(SMTP_PW).fields, port: 9 } });
    expect(res.body.ok).toBe(false);
    expect(res.body.error.code).toBe('E_MAIL_CONNECTION');
  });
});

describe('testing an HTTP credential', () => {
  it('calls the given URL with the API key header: 200 is ok, 401 is E_HTTP_STATUS', async () => {
    const form = { kind: 'api_key', fields: { header: 'X-Api-Key', prefix: '' }, secrets: { key: KEY }, url: `${webUrl}/me` };
    const ok = await server.api('POST', '/api/credentials/test', form);
    expect(ok.body).toMatchObject({ ok: true });
    expect(ok.body.message).toMatch(/answered 200/);
    expect(seenAuth.at(-1)).toBe(KEY);
    const bad = await server.api('POST', '/api/credentials/test', { ...form, secrets: { key: 'wrong-key-9999' } });
    expect(bad.body.error).toMatchObject({ code: 'E_HTTP_STATUS' });
    expect(bad.body.error.message).toMatch(/401/);
    expect(JSON.stringify(bad.body)).not.toContain('wrong-key-9999');
  });

  it('HTTP Basic with a URL; without a URL it asks for one', async () => {
    const form = { kind: 'basic', fields: { username: 'ada' }, secrets: { password: KEY }, url: `${webUrl}/me` };
    expect((await server.api('POST', '/api/credentials/test', form)).body.ok).toBe(true);
    const noUrl = await server.api('POST', '/api/credentials/test', { ...form, url: '' });
    expect(noUrl.body.error.code).toBe('E_CREDENTIAL_TEST_URL');
  });
});

describe('the network policy', () => {
  it('refuses a loopback target unless CONVEYOR_ALLOW_HOSTS or a flow using the credential allows it, and connects to nothing', async () => {
    delete process.env.CONVEYOR_ALLOW_HOSTS;
    try {
      const before = seenAuth.length;
      const http1 = await server.api('POST', '/api/credentials/test', { kind: 'api_key', fields: { header: 'X-Api-Key' }, secrets: { key: KEY }, url: `${webUrl}/me` });
      expect(http1.body.ok).toBe(false);
      expect(http1.body.error.code).toBe('E_NETWORK_BLOCKED');
      expect(seenAuth.length).toBe(before); // nothing was sent
      const mail = await server.api('POST', '/api/credentials/test', imap(IMAP_PW));
      expect(mail.body.error.code).toBe('E_NETWORK_BLOCKED');
      expect(mail.body.error.message).toMatch(new RegExp(`127\\.0\\.0\\.1 port ${dovecot.port}`));

      // A flow that uses the credential "inbox" and allows the mailbox's address: the test may reach it.
      const flow = {
        format: FLOW_FORMAT,
        id: 'uses-inbox',
        name: 'Uses inbox',
        settings: { concurrency: 1, allowHosts: [`127.0.0.1:${dovecot.port}`] },
        nodes: [
          { id: 't', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: {} },
          { id: 'w', type: 'mail.mark-mailbox', position: { x: 200, y: 0 }, params: { credential: 'inbox' } },
        ],
        edges: [{ id: 'e', source: 't', sourcePort: 'out', target: 'w', targetPort: 'in' }],
      };
      expect((await server.api('POST', '/api/flows/import', flow)).status).toBe(201);
      const list = await server.api('GET', '/api/credentials');
      const inbox = list.body.find((c: { name: string }) => c.name === 'inbox');
      expect((await server.api('POST', `/api/credentials/${inbox.id}/test`, {})).body.ok).toBe(true);
      expect((await server.api('POST', '/api/credentials/test', { ...imap(IMAP_PW), name: 'inbox' })).body.ok).toBe(true);
      // Another credential name gets nothing from that flow.
      expect((await server.api('POST', '/api/credentials/test', { ...imap(IMAP_PW), name: 'other' })).body.error.code).toBe('E_NETWORK_BLOCKED');
    } finally {
      process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';
    }
  });

  it('is refused without the studio page origin (a script or a step cannot use a stored secret through it)', async () => {
    const list = await server.api('GET', '/api/credentials');
    for (const url of ['/api/credentials/test', `/api/credentials/${list.body[0].id}/test`]) {
      const res = await fetch(`${server.url}${url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(imap(IMAP_PW)) });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('E_ORIGIN_REQUIRED');
    }
  });
});
