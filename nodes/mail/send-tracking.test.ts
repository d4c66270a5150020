import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendMail } from './send.ts';
import { failureOf, fakeCredentials, runNode } from '../sdk/testing.ts';
import { startSmtpRelay, type SmtpRelay } from '../../demo/smtp-relay.ts';
import { openSqlJsStore } from '../../server/store/sqljs-store.ts';
import type { Store } from '../../server/store/types.ts';
import { TrackingService } from '../../server/tracking/tracking-service.ts';

// The mail servers of these tests listen on 127.0.0.1, which the network policy keeps steps from
// reaching unless allowed: allowed here as an administrator would (CONVEYOR_ALLOW_HOSTS).
process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';

/** Where the unsubscribe link goes, and what happens when tracking cannot work (real SMTP relay, real tracking service). */
let relay: SmtpRelay;
let store: Store;
let tracking: TrackingService;
beforeAll(async () => {
  relay = await startSmtpRelay({ user: 'u@shop.example', password: 'pw-tracking-1', deliver: async () => undefined });
  store = await openSqlJsStore(path.join(mkdtempSync(path.join(os.tmpdir(), 'conveyor-send-tracking-')), 'store'));
  tracking = new TrackingService(store, Buffer.alloc(32, 1), 'https://studio.example');
});
afterAll(async () => {
  await store?.close();
  await relay?.stop();
});

const creds = () => fakeCredentials([{ name: 'mailer', kind: 'smtp', fields: { host: relay.host, port: relay.port, secure: false, user: 'u@shop.example' }, secrets: { password: 'pw-tracking-1' } }]);
const unQuote = (raw: string) => raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
const BASE = { credential: 'mailer', to: '{{ email }}', subject: 'News', unsubscribeLink: true };

describe('mail.send unsubscribe link', () => {
  it('goes where the author put {{ unsubscribeUrl }}; no footer is added then', async () => {
    await runNode(sendMail, { ...BASE, html: '<p>News. <a href="{{ unsubscribeUrl }}">Stop these mails</a></p>', text: '' }, { email: 'ann@example.test' }, { credentials: creds(), tracking: tracking.forStep({ runId: 'run_x', recordIndex: 0, nodeId: 'send' }) });
    const body = unQuote(relay.received.at(-1)!.raw);
    expect(body.match(/https:\/\/studio\.example\/t\/u\/[A-Za-z0-9_.-]+/g)).toHaveLength(2); // the author's link, and List-Unsubscribe
    expect(body).toContain('>Stop these mails</a>');
    expect(body).not.toContain("Don't want these mails?");
  });

  it('without a known studio address, a tracking step fails with E_TRACKING_UNAVAILABLE and sends nothing', async () => {
    const before = relay.received.length;
    const err = await failureOf(() => runNode(sendMail, { ...BASE, html: '<p>x</p>' }, { email: 'bo@example.test' }, { credentials: creds() }));
    expect(err).toMatchObject({ code: 'E_TRACKING_UNAVAILABLE' });
    expect(err.hint).toContain('CONVEYOR_PUBLIC_URL');
    expect(relay.received.length).toBe(before);
  });
});
