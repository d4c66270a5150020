import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PORTS, demoPorts, registerDemoCredentials, startDemo, type Demo } from '../../../demo/start.ts';
import { startTestServer } from '../server/support.ts';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe('demo ports', () => {
  it('are fixed by default (3100, 2525, 1143) and PORT_DEMO, PORT_SMTP, PORT_IMAP change them', () => {
    expect(demoPorts({})).toEqual({ site: 3100, smtp: 2525, imap: 1143, model: 3200 });
    expect(DEFAULT_PORTS).toEqual({ site: 3100, smtp: 2525, imap: 1143, model: 3200 });
    expect(demoPorts({ PORT_DEMO: '4100', PORT_SMTP: '4525', PORT_IMAP: '4143', PORT_MODEL: '4200' })).toEqual({ site: 4100, smtp: 4525, imap: 4143, model: 4200 });
    expect(() => demoPorts({ PORT_IMAP: 'abc' })).toThrow(/PORT_IMAP must be a port number/);
  });
});

describe('npm run demo with a studio running', () => {
  let studio: Awaited<ReturnType<typeof startTestServer>>;
  let demo: Demo;
  let ports: { site: number; smtp: number; imap: number; model: number };
  const savedAllow = process.env.CONVEYOR_ALLOW_HOSTS;

  beforeAll(async () => {
    process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';
    studio = await startTestServer();
    ports = { site: await freePort(), smtp: await freePort(), imap: await freePort(), model: await freePort() };
    demo = await startDemo({ ports, studioUrl: studio.url });
  }, 60_000);
  afterAll(async () => {
    await demo?.stop();
    await studio?.close();
    if (savedAllow === undefined) delete process.env.CONVEYOR_ALLOW_HOSTS;
    else process.env.CONVEYOR_ALLOW_HOSTS = savedAllow;
  });

  it('listens on exactly the ports it is given', async () => {
    expect(demo.siteUrl).toBe(`http://127.0.0.1:${ports.site}`);
    expect(demo.relay.port).toBe(ports.smtp);
    expect(demo.dovecot.port).toBe(ports.imap);
    expect(demo.model.baseUrl).toBe(`http://127.0.0.1:${ports.model}/v1`);
    expect((await fetch(`${demo.siteUrl}/signup`)).status).toBe(200);
  });

  it('creates the IMAP mailbox and the SMTP senders in the studio, and they connect', async () => {
    expect(demo.registered).toMatchObject({ ok: true });
    const list = (await studio.api('GET', '/api/credentials')).body as Array<{ id: string; name: string; kind: string; fields: Record<string, unknown>; scope: { nodeTypes: string[] } }>;
    expect(list.map((c) => c.name).sort()).toEqual(['demo-mailbox', 'demo-model', 'demo-sender-1', 'demo-sender-2', 'demo-sender-3']);
    expect(list.find((c) => c.name === 'demo-model')).toMatchObject({ kind: 'ai_endpoint', fields: { baseUrl: `http://127.0.0.1:${ports.model}/v1` }, scope: { nodeTypes: ['ai.chat'] } });
    const mailbox = list.find((c) => c.name === 'demo-mailbox')!;
    expect(mailbox).toMatchObject({ kind: 'imap', fields: { host: '127.0.0.1', port: ports.imap, secure: false } });
    expect(mailbox.scope.nodeTypes.sort()).toEqual(['mail.mark-mailbox', 'mail.wait-for-code']);
    for (const c of list) {
      const tested = await studio.api('POST', `/api/credentials/${c.id}/test`, {});
      expect(tested.body, `${c.name}: ${JSON.stringify(tested.body)} ${tested.body.ok ? "" : await demo.dovecot.log()}`).toMatchObject({ ok: true });
    }
    // The signup template now shows its credential as set up.
    const templates = (await studio.api('GET', '/api/templates')).body as Array<{ id: string; needs: Array<{ kind: string; present?: boolean }> }>;
    expect(templates.find((t) => t.id === 'signup-with-email-code')!.needs.find((n) => n.kind === 'credential')!.present).toBe(true);
  });

  it('a second start updates the same credentials instead of adding more', async () => {
    const before = (await studio.api('GET', '/api/credentials')).body as Array<{ id: string; name: string }>;
    const again = await registerDemoCredentials(studio.url, { dovecot: demo.dovecot, relay: demo.relay });
    expect(again.ok).toBe(true);
    expect(again.message).toMatch(/demo-mailbox \(updated\)/);
    const after = (await studio.api('GET', '/api/credentials')).body as Array<{ id: string; name: string }>;
    expect(after.map((c) => `${c.id}:${c.name}`).sort()).toEqual(before.map((c) => `${c.id}:${c.name}`).sort());
  });

  it('says so when no studio answers', async () => {
    const none = await registerDemoCredentials(`http://127.0.0.1:${await freePort()}`, { dovecot: demo.dovecot, relay: demo.relay });
    expect(none).toMatchObject({ ok: false });
    expect(none.message).toMatch(/no studio answered/);
  });

  it('switches the sites\u2019 faults from its faults page (a form, no curl)', async () => {
    const page = await (await fetch(`${demo.siteUrl}/faults`)).text();
    expect(page).toMatch(/<form method="post" action="\/faults">/);
    expect(page).toMatch(/name="signup\.renamedField"/);
    expect(page).toMatch(/name="contact\.refuseSend"/);
    const post = (body: string) => fetch(`${demo.siteUrl}/faults`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, redirect: 'manual' });
    const saved = await post('signup.renamedField=on&signup.wrongCodeRate=0.5&contact.refuseSend=on&contact.slowMs=0');
    expect(saved.status).toBe(303);
    expect(demo.signup.faults).toMatchObject({ renamedField: true, wrongCodeRate: 0.5, refuseExisting: false });
    expect(demo.contact.faults).toMatchObject({ refuseSend: true, renamedField: false });
    expect(await (await fetch(`${demo.siteUrl}/signup`)).text()).toMatch(/name="e_mail"/);
    expect(await (await fetch(`${demo.siteUrl}/faults?saved=1`)).text()).toMatch(/name="signup\.renamedField" id="signup\.renamedField" checked/);
    expect((await post('reset=1')).status).toBe(303);
    expect(demo.signup.faults).toMatchObject({ renamedField: false, wrongCodeRate: 0 });
    expect(demo.contact.faults.refuseSend).toBe(false);
    // The JSON route sees the same switches.
    expect(await (await fetch(`${demo.siteUrl}/api/faults`)).json()).toMatchObject({ renamedField: false });
  });

  it('refuses to start on a port in use, naming the variable that changes it', async () => {
    await expect(startDemo({ ports: { site: ports.site, smtp: await freePort(), imap: await freePort(), model: await freePort() } })).rejects.toThrow(/Port \d+ \(demo site\) is already in use.*PORT_DEMO/);
  });
});
