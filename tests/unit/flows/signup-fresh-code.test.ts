import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConveyor, type Conveyor } from '../../../server/conveyor.ts';
import { rfc822, startDovecot, type Dovecot } from '../../../demo/dovecot.ts';
import { CATCH_ALL, DEMO_PASSWORD, DEMO_SENDER, createSignupSite, listenSignupSite, type SignupSite } from '../../../demo/signup-site.ts';

// The test sites listen on 127.0.0.1: allowed explicitly for steps, as an administrator would (CONVEYOR_ALLOW_HOSTS).
process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';

// Issue 10, point 8, through the shipped template: every row already has a code in the mailbox from
// an earlier step of the site (mailed about a second before the run asks for the real one), and the
// real code comes late. The template's "Mark the mailbox" step makes every row take the fresh code.
// Real engine, real Chromium, the demo site and a real Dovecot.
let dovecot: Dovecot;
let site: SignupSite;
let server: { url: string; close(): Promise<void> };
let c: Conveyor;
const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-fresh-code-'));

beforeAll(async () => {
  dovecot = await startDovecot({ users: [{ name: CATCH_ALL, password: DEMO_PASSWORD }] });
  site = createSignupSite({ dovecot, seed: 'template-fresh-code', faults: { lateMailMs: 1_500 } });
  server = await listenSignupSite(site, 0);
  c = await openConveyor(path.join(dir, 'data'));
}, 60_000);
afterAll(async () => {
  await c?.close();
  await server?.close();
  await dovecot?.stop();
});

describe('the "Signup with an email code" template never takes a code mailed before the request', () => {
  it('four rows, each with a stale code already waiting: all four sign up with the fresh one', { timeout: 120_000 }, async () => {
    await c.vault.create({
      name: 'demo-mailbox',
      kind: 'imap',
      fields: { host: dovecot.host, port: dovecot.port, secure: false, user: CATCH_ALL },
      secrets: { password: DEMO_PASSWORD },
      scope: { nodeTypes: ['mail.mark-mailbox', 'mail.wait-for-code'] },
    });
    const flow = JSON.parse(readFileSync('flows/signup-with-email-code.json', 'utf8').replaceAll('http://127.0.0.1:3100', server.url));
    const entry = await c.flows.import(flow);

    const people = [0, 1, 2, 3].map((i) => ({ first: `Stale${i}`, email: `stale${i}-${Date.now()}@example.com` }));
    writeFileSync(path.join(dir, 'people.csv'), ['first_name,last_name,email', ...people.map((p) => `${p.first},Row,${p.email}`)].join('\n'));
    // The site's earlier step: a code to each address, same sender, same wording, a second before the run.
    for (const p of people) {
      await dovecot.deliver(CATCH_ALL, rfc822({ from: `Demo signup <${DEMO_SENDER}>`, to: p.email, subject: 'Your code', text: 'Hello,\n\nYour one-time code: 999999\n' }));
    }
    await new Promise((r) => setTimeout(r, 1_000));

    const run = await c.engine.startRun(entry.flow, { input: { file: { path: path.join(dir, 'people.csv'), name: 'people.csv' } } });
    const summary = await c.engine.waitForRun(run.id);
    const records = (await c.store.listRecords(run.id, { limit: 100 })).items;
    expect(
      records.map((r) => ({ status: r.status, reason: r.status === 'success' ? null : JSON.stringify(r.output?.error ?? r.reason ?? null) })),
    ).toEqual(people.map(() => ({ status: 'success', reason: null })));
    expect(summary.counts).toMatchObject({ success: 4, needs_review: 0, failed: 0 });
    for (const p of people) expect(site.stats().signups[p.email]).toBe(1);
  });
});
