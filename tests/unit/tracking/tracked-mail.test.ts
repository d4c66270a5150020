import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { startServer } from '../../../server/main.ts';
import { hashPassword } from '../../../server/auth/password.ts';
import { startTestServer } from '../server/support.ts';
import { startSmtpRelay, type SmtpRelay } from '../../../demo/smtp-relay.ts';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';

// The mail servers of these tests listen on 127.0.0.1, which the network policy keeps steps from
// reaching unless allowed: allowed here as an administrator would (CONVEYOR_ALLOW_HOSTS).
process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';

/**
 * Tracked outreach end to end: the studio sends a mail through a real SMTP server (the demo relay)
 * with tracked links, an open pixel and an unsubscribe link; the test then behaves like the
 * recipient's mail program and browser, against the studio's public /t/* addresses.
 */
const ACCOUNT = { user: 'mailer@shop.example', password: 'smtp-secret-pw-42' };
let relay: SmtpRelay;
let studio: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  relay = await startSmtpRelay({ ...ACCOUNT, deliver: async () => undefined });
  studio = await startTestServer();
  await studio.conveyor.vault.create({
    name: 'mailer',
    kind: 'smtp',
    fields: { host: relay.host, port: relay.port, secure: false, user: ACCOUNT.user },
    secrets: { password: ACCOUNT.password },
    scope: { nodeTypes: ['mail.send'] },
  });
}, 30_000);
afterAll(async () => {
  await studio?.close();
  await relay?.stop();
});

const OFFER = 'https://shop.example/offer?a=1&b=2';

function trackedFlow(): FlowDocument {
  return {
    format: FLOW_FORMAT,
    id: 'flow_tracked',
    name: 'Tracked outreach',
    description: '',
    settings: { concurrency: 1 },
    nodes: [
      { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: '[]' } },
      {
        id: 'send',
        type: 'mail.send',
        position: { x: 200, y: 0 },
        params: {
          credential: 'mailer',
          to: '{{ email }}',
          subject: 'An offer for {{ name }}',
          text: 'Hi {{ name }}, see {{ "' + OFFER + '" }}',
          html: `<html><body><p>Hi {{ name }}, see <a href="https://shop.example/offer?a=1&amp;b=2">our offer</a> or <a href="mailto:help@shop.example">write</a>.</p></body></html>`,
          trackOpens: true,
          trackClicks: true,
          unsubscribeLink: true,
        },
      },
    ],
    edges: [{ id: 'e1', source: 'trigger', sourcePort: 'out', target: 'send', targetPort: 'in' }],
  } as FlowDocument;
}

/** Quoted-printable as mail programs undo it (soft line breaks, =XX bytes). */
function unQuote(raw: string): string {
  return raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

async function send(records: Array<Record<string, string>>) {
  const before = relay.received.length;
  const run = await studio.conveyor.engine.startRun(trackedFlow(), { input: { records } });
  await studio.conveyor.engine.waitForRun(run.id);
  const rows = (await studio.conveyor.store.listRecords(run.id)).items;
  return { run, rows, mails: relay.received.slice(before).map((m) => ({ ...m, body: unQuote(m.raw), headers: m.raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ') })) };
}

const at = (body: string, kind: 'o' | 'c' | 'u') => [...body.matchAll(new RegExp(`${studio.url.replace(/[.]/g, '\\.')}/t/${kind}/[A-Za-z0-9_.-]+`, 'g'))].map((m) => m[0]);

describe('tracked mail', () => {
  let ann: Awaited<ReturnType<typeof send>>;
  beforeAll(async () => {
    ann = await send([{ email: 'ann@example.test', name: 'Ann' }]);
  });

  it('rewrites http links to signed redirects, adds the open pixel, the unsubscribe link and List-Unsubscribe', () => {
    expect(ann.rows[0].status).toBe('success');
    const mail = ann.mails[0];
    const clicks = at(mail.body, 'c');
    expect(clicks.length).toBeGreaterThanOrEqual(1);
    expect(mail.body).not.toContain('href="https://shop.example/offer');
    expect(mail.body).toContain('href="mailto:help@shop.example"');
    expect(at(mail.body, 'o')[0]).toMatch(/\.gif$/);
    expect(at(mail.body, 'u').length).toBeGreaterThanOrEqual(2); // HTML footer and the text part
    expect(mail.headers).toMatch(/List-Unsubscribe: <http:\/\/127\.0\.0\.1:\d+\/t\/u\/[^>]+>/);
    expect(mail.headers).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
  });

  it('a click is recorded against the record and answered 302 to the original address; a changed token is refused 400, never redirected', async () => {
    const link = at(ann.mails[0].body, 'c')[0];
    const res = await fetch(link, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(OFFER);

    const [payload, sig] = link.split('/t/c/')[1].split('.');
    const forged = Buffer.from(Buffer.from(payload, 'base64url').toString().replace('shop.example', 'evil.example')).toString('base64url');
    // The signature's last characters changed — to ones it does not end with already (1 run in 4,096
    // signed a token ending "AA", and the "changed" token was the valid one).
    const changedSig = `${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const bad of [`${forged}.${sig}`, `${payload}.${changedSig}`, 'garbage', `${payload}`]) {
      const refused = await fetch(`${studio.url}/t/c/${bad}`, { redirect: 'manual' });
      expect(refused.status, bad).toBe(400);
      expect(refused.headers.get('location')).toBeNull();
      expect(await refused.text()).toContain('E_TRACKING_TOKEN_INVALID');
    }
    // A pixel token is not a click token.
    const pixelToken = at(ann.mails[0].body, 'o')[0].split('/t/o/')[1].replace(/\.gif$/, '');
    expect((await fetch(`${studio.url}/t/c/${pixelToken}`, { redirect: 'manual' })).status).toBe(400);
  });

  it('the pixel is a GIF loadable from other sites; opens and clicks show in the record\'s events, the run log and the report', async () => {
    const pixel = await fetch(at(ann.mails[0].body, 'o')[0]);
    expect(pixel.status).toBe(200);
    expect(pixel.headers.get('content-type')).toBe('image/gif');
    expect(pixel.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(Buffer.from(await pixel.arrayBuffer()).subarray(0, 6).toString()).toBe("GIF89a");

    const events = await studio.api('GET', `/api/tracking/runs/${ann.run.id}/records/0`);
    expect(events.status).toBe(200);
    expect(events.body.events.map((e: { kind: string }) => e.kind).sort()).toEqual(['click', 'open']);
    expect(events.body.events.find((e: { kind: string }) => e.kind === 'click')).toMatchObject({ nodeId: 'send', link: 0, url: OFFER });

    const report = await studio.api('GET', `/api/runs/${ann.run.id}/report`);
    expect(report.body.tracking).toMatchObject({ opens: 1, clicks: 1, unsubscribes: 0, openedRecords: 1, clickedRecords: 1 });
    // The spreadsheet report's Summary has the same counts (events, then records).
    const xlsx = await fetch(`${studio.url}/api/runs/${ann.run.id}/report.xlsx`);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await xlsx.arrayBuffer()) as ArrayBuffer);
    const summary = book.getWorksheet('Summary')!.getSheetValues().map((row) => (Array.isArray(row) ? row.slice(1) : []));
    expect(summary).toContainEqual(['Mail opens (records)', 1, 1]);
    expect(summary).toContainEqual(['Mail clicks (records)', 1, 1]);
    const log = await studio.api('GET', `/api/runs/${ann.run.id}/logs?limit=500`);
    const lines = JSON.stringify(log.body);
    expect(lines).toContain('Mail opened');
    expect(lines).toContain(`clicked: ${OFFER}`);
    expect(lines).not.toContain(ACCOUNT.password);
  });

  it('unsubscribe: GET only asks, POST puts the address on the suppression list; later sends skip it with a reason, until it is removed', async () => {
    const page = at(ann.mails[0].body, 'u')[0];
    const ask = await fetch(page);
    expect(ask.status).toBe(200);
    const html = await ask.text();
    expect(html).toContain('<form method="post"');
    expect(html).toContain('a***@example.test');
    expect((await studio.api('GET', '/api/suppressions')).body.total).toBe(0);

    // A mail program's one-click unsubscribe (RFC 8058).
    const done = await fetch(page, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('You are unsubscribed');
    const list = await studio.api('GET', '/api/suppressions');
    expect(list.body).toMatchObject({ total: 1, items: [{ address: 'ann@example.test', source: 'unsubscribe', runId: ann.run.id, recordIndex: 0 }] });
    expect((await studio.api('GET', `/api/runs/${ann.run.id}/report`)).body.tracking).toMatchObject({ unsubscribes: 1, unsubscribedRecords: 1 });

    const again = await send([{ email: 'Ann@Example.test', name: 'Ann' }, { email: 'bo@example.test', name: 'Bo' }]);
    expect(again.rows.map((r) => r.status)).toEqual(['skipped', 'success']);
    expect(again.rows[0].reason).toBe('Not sent: Ann@Example.test is on the suppression list (unsubscribed).');
    expect(again.mails.map((m) => m.to)).toEqual([['bo@example.test']]);

    expect((await studio.api('DELETE', '/api/suppressions/ann%40example.test')).status).toBe(204);
    expect((await studio.api('DELETE', '/api/suppressions/ann%40example.test')).body.error.code).toBe('E_SUPPRESSION_NOT_FOUND');
    const after = await send([{ email: 'ann@example.test', name: 'Ann' }]);
    expect(after.rows[0].status).toBe('success');
    expect(after.mails).toHaveLength(1);
  });

  it('the suppression list can be edited by hand; bad input is refused and changes nothing', async () => {
    const added = await studio.api('POST', '/api/suppressions', { address: 'Ops@Example.test', note: 'asked by phone' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ address: 'ops@example.test', source: 'operator', note: 'asked by phone' });
    const bad = await studio.api('POST', '/api/suppressions', { address: 'not an address' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('E_BODY_INVALID');
    const found = await studio.api('GET', '/api/suppressions?search=ops');
    expect(found.body).toMatchObject({ total: 1, items: [{ address: 'ops@example.test' }] });
    expect((await studio.api('GET', '/api/suppressions')).body.total).toBe(1);
    const skipped = await send([{ email: 'ops@example.test', name: 'Ops' }]);
    expect(skipped.rows[0].status).toBe('skipped');
    expect(skipped.mails).toHaveLength(0);
  });

  it('two adds of one address at once keep the first entry, and both answer it', async () => {
    const notes = Array.from({ length: 6 }, (_, i) => `note ${i}`);
    const answers = await Promise.all(notes.map((note) => studio.api('POST', '/api/suppressions', { address: 'twice@example.test', note })));
    expect(answers.map((a) => a.status)).toEqual(notes.map(() => 201));
    const kept = (await studio.api('GET', '/api/suppressions?search=twice')).body.items;
    expect(kept).toHaveLength(1);
    // Every caller was answered the entry that is kept, never one replaced after its answer.
    for (const a of answers) expect(a.body).toEqual(kept[0]);
    expect((await studio.api('DELETE', '/api/suppressions/twice%40example.test')).status).toBe(204);
  });
});

describe('tracking addresses with login on', () => {
  it('answer recipients without a session, while the suppression list still needs one', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-tracking-auth-'));
    const server = await startServer({ port: 0, dataDir, clientDir: path.join(dataDir, 'no-client'), auth: { passwordHash: await hashPassword('a long admin password', { N: 1024, r: 8, p: 1 }) } });
    try {
      const links = server.conveyor.tracking.forStep({ runId: 'run_gone', recordIndex: 0, nodeId: 'send' });
      expect((await fetch(links.openUrl())).status).toBe(200);
      const click = await fetch(links.clickUrl('https://shop.example/', 0), { redirect: 'manual' });
      expect([click.status, click.headers.get('location')]).toEqual([302, 'https://shop.example/']);
      expect((await fetch(links.unsubscribeUrl(['zed@example.test']))).status).toBe(200);
      expect((await fetch(`${server.url}/api/suppressions`)).status).toBe(401);
      // Events of a run that does not exist (any more) are not kept.
      expect(await server.conveyor.store.listNodeState('run:run_gone', '~tracking')).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
