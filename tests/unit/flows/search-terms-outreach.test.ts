/**
 * flows/search-terms-outreach.json as it ships, against the demo parts `npm run demo` serves: the
 * demo search API, three sender accounts on the SMTP relay and a real Dovecot. Only the search API's
 * address and the loop interval are changed for the test.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConveyor, type Conveyor } from '../../../server/conveyor.ts';
import { serializeFlow } from '../../../server/contract/flow/serialize.ts';
import { startDovecot, type Dovecot } from '../../../demo/dovecot.ts';
import { CATCH_ALL, DEMO_PASSWORD } from '../../../demo/signup-site.ts';
import { createSearchApi, listenSearchApi, search, type SearchApi } from '../../../demo/search-api.ts';
import { SENDERS, startSenderRelay, studioCredentials } from '../../../demo/outreach.ts';
import type { SmtpRelay } from '../../../demo/smtp-relay.ts';
import type { FlowDocument } from '../../../server/contract/flow/schema.ts';

// The test sites listen on 127.0.0.1: allowed explicitly for steps, as an administrator would (CONVEYOR_ALLOW_HOSTS).
process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';

let dovecot: Dovecot;
let relay: SmtpRelay;
let api: SearchApi;
let apiServer: { url: string; close(): Promise<void> };
let c: Conveyor;

beforeAll(async () => {
  dovecot = await startDovecot({ users: [{ name: CATCH_ALL, password: DEMO_PASSWORD }] });
  relay = await startSenderRelay(dovecot);
  api = createSearchApi();
  apiServer = await listenSearchApi(api);
  c = await openConveyor(mkdtempSync(path.join(os.tmpdir(), 'conveyor-outreach-')));
  for (const cred of studioCredentials(relay)) await c.vault.create(cred);
}, 60_000);

afterAll(async () => {
  await c?.close();
  await apiServer?.close();
  await relay?.stop();
  await dovecot?.stop();
});

async function mailboxCount(): Promise<number> {
  const client = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, auth: { user: CATCH_ALL, pass: DEMO_PASSWORD }, logger: false });
  await client.connect();
  try {
    const status = await client.status('INBOX', { messages: true });
    return status ? (status.messages ?? 0) : 0;
  } finally {
    await client.logout();
  }
}

describe('example: search terms outreach', () => {
  it('searches each term once, mails every lead found exactly once, shared evenly by three senders, with counters per group', async () => {
    const text = readFileSync('flows/search-terms-outreach.json', 'utf8');
    const entry = await c.flows.import(JSON.parse(text));
    expect(serializeFlow(entry.flow)).toBe(text);
    const doc: FlowDocument = structuredClone(entry.flow);
    const terms = doc.nodes.find((n) => n.type === 'terms.groups')!;
    (terms.params as { intervalSeconds: number }).intervalSeconds = 0.1;
    const site = doc.nodes.find((n) => n.id === 'site')!;
    (site.params as { fields: Array<{ name: string; value: string }> }).fields[0].value = JSON.stringify(apiServer.url);

    const groups = (terms.params as { groups: Array<{ name: string; terms: string[] }> }).groups;
    const allTerms = groups.flatMap((g) => g.terms);
    const leads = new Set(allTerms.flatMap((t) => search(t, 4).map((b) => b.email)));
    const found = allTerms.reduce((n, t) => n + search(t, 4).length, 0);
    // The example is only worth its name if terms find the same leads.
    expect(found).toBeGreaterThan(leads.size);

    const run = await c.engine.startRun(doc);
    const summary = await c.engine.waitForRun(run.id);
    expect(summary.status).toBe('completed');
    expect(summary.recordCount).toBe(allTerms.length);
    expect(summary.counts.failed + summary.counts.needs_review).toBe(0);

    // Every term searched once.
    expect(Object.keys(api.stats.byTerm).sort()).toEqual([...allTerms].sort());
    expect(Object.values(api.stats.byTerm).every((n) => n === 1)).toBe(true);

    // Every lead mailed once, shared evenly (round robin) between the three senders.
    const recipients = relay.received.flatMap((m) => m.to);
    expect(recipients.length).toBe(leads.size);
    expect(new Set(recipients)).toEqual(leads);
    const perSender = SENDERS.map((s) => relay.received.filter((m) => m.user === s.user).length);
    expect(Math.max(...perSender) - Math.min(...perSender)).toBeLessThanOrEqual(1);
    expect(await mailboxCount()).toBe(leads.size);

    // The distribution counters (kept with the flow) add up to the mails sent.
    const counters = await c.store.listNodeState(`flow:${doc.id}`, 'share', 't:');
    const totals = counters.map((e) => (e.value as { total: number }).total);
    expect(totals.reduce((a, b) => a + b, 0)).toBe(leads.size);

    // Counters per group: every term processed; results mailed or skipped as already contacted.
    const progress = (await c.engine.groups(run.id))!;
    expect(progress.groups.map((g) => [g.name, g.processed, g.total])).toEqual(groups.map((g) => [g.name, g.terms.length, g.terms.length]));
    const mailed = progress.groups.reduce((n, g) => n + g.results.success, 0);
    const skipped = progress.groups.reduce((n, g) => n + g.results.skipped, 0);
    expect(mailed).toBe(leads.size);
    expect(skipped).toBe(found - leads.size);
  }, 120_000);
});
