/**
 * Tracked mail sent by workers (PostgreSQL): the suppression list, in the database, is honoured by
 * every worker as by the studio — an unsubscribed address is never mailed again, whichever process
 * runs the step — and a worker makes tracked links only with the tracking secret the other studios
 * and workers of the database sign with, so that a link it mailed opens on any studio.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import { openVault } from '../../../server/vault/vault.ts';
import { SuppressionList } from '../../../server/tracking/suppression.ts';
import { keyFingerprint } from '../../../server/tracking/key-check.ts';
import { trackingKey } from '../../../server/tracking/signing-key.ts';
import { verifyToken } from '../../../server/tracking/tokens.ts';
import { startSmtpRelay, type SmtpRelay } from '../../support/mail/smtp.ts';
import { inProcessWorkers } from './in-process-workers.ts';

const w = inProcessWorkers('tracked-mail');
let smtp: SmtpRelay;

beforeAll(async () => {
  smtp = await startSmtpRelay({ user: 'sender@shop.example', password: 'relay-pw-31', deliver: async () => undefined });
  const vault = await openVault(w.dir());
  await vault.create({ name: 'Shop mail', kind: 'smtp', fields: { host: '127.0.0.1', port: smtp.port, secure: false, user: 'sender@shop.example' }, secrets: { password: 'relay-pw-31' }, scope: { nodeTypes: ['mail.send'] } });
  await new SuppressionList(w.store()).add({ address: 'Gone@Example.com', at: new Date().toISOString(), source: 'operator' });
});
afterAll(async () => {
  await smtp?.stop();
  delete process.env.CONVEYOR_PUBLIC_URL;
});

function mailFlow(id: string, unsubscribeLink: boolean): FlowDocument {
  return {
    format: FLOW_FORMAT,
    id,
    name: id,
    description: '',
    settings: { concurrency: 2, allowHosts: [`127.0.0.1:${smtp.port}`] },
    nodes: [
      { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: {} },
      { id: 'send', type: 'mail.send', position: { x: 200, y: 0 }, params: { credential: 'Shop mail', to: '{{ email }}', subject: 'News', text: 'Hello {{ unsubscribeUrl }}', unsubscribeLink } },
    ],
    edges: [{ id: 'e1', source: 'trigger', sourcePort: 'out', target: 'send', targetPort: 'in' }],
  } as FlowDocument;
}

describe('tracked mail on workers', () => {
  it('a worker never mails an unsubscribed address; its links are signed with the key the database keeps, or it sends none', async () => {
    // The studios of this database sign links with another secret (its fingerprint kept at their start).
    await w.store().putNodeState([{ scope: 'install', nodeId: '~tracking-key', key: 'fingerprint', value: { fingerprint: keyFingerprint(Buffer.alloc(32, 7)), since: '2026-12-01T00:00:00.000Z' } }]);
    process.env.CONVEYOR_PUBLIC_URL = 'https://studio.example.com';
    const [worker] = await w.start(1);

    const plain = await w.studio().startRun(mailFlow('plain', false), { input: { records: [{ email: 'gone@example.com' }, { email: 'ada@example.com' }] } });
    const done = await w.until(plain.id, 'completed');
    expect(done.counts).toMatchObject({ success: 1, skipped: 1 });
    expect((await w.store().getRecord(plain.id, 0))?.reason).toMatch(/suppression list/);
    expect(smtp.received.map((m) => m.to)).toEqual([['ada@example.com']]);

    // Links asked for, with a key that is not the database's: no mail, and the record says why.
    const tracked = await w.studio().startRun(mailFlow('tracked', true), { input: { records: [{ email: 'bob@example.com' }] } });
    await w.until(tracked.id, 'completed');
    const refused = await w.store().getRecord(tracked.id, 0);
    expect(refused?.error).toMatchObject({ code: 'E_TRACKING_UNAVAILABLE', message: expect.stringContaining('is not the one the other studios and workers of this database sign links with') });
    expect(smtp.received).toHaveLength(1);
    await worker.close();

    // With the database's key (CONVEYOR_TRACKING_SECRET on every process): the link opens on any studio holding it.
    const secret = 'a-tracking-secret-every-process-shares-0123';
    const shared = await trackingKey(w.dir(), { CONVEYOR_TRACKING_SECRET: secret });
    await w.store().putNodeState([{ scope: 'install', nodeId: '~tracking-key', key: 'fingerprint', value: { fingerprint: keyFingerprint(shared), since: '2026-12-01T00:00:00.000Z' } }]);
    process.env.CONVEYOR_TRACKING_SECRET = secret;
    try {
      await w.start(1);
    } finally {
      delete process.env.CONVEYOR_TRACKING_SECRET;
    }
    const again = await w.studio().startRun(mailFlow('tracked-2', true), { input: { records: [{ email: 'bob@example.com' }] } });
    expect((await w.until(again.id, 'completed')).counts.success).toBe(1);
    const raw = smtp.received[1].raw.replace(/=\r?\n/g, '');
    const token = /https:\/\/studio\.example\.com\/t\/u\/([A-Za-z0-9_.-]+)/.exec(raw)?.[1];
    expect(token).toBeTruthy();
    expect(verifyToken(shared, token!, 'u')).toMatchObject({ a: ['bob@example.com'] });
  });
});
