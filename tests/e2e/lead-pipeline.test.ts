import { readFileSync } from 'node:fs';
import express from 'express';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { useStudio } from './support/fixtures.ts';
import { api, waitForRun, type RunSummary } from './support/api.ts';
import { importFlowViaApi } from './support/review.ts';
import * as s from './support/studio.ts';
import { startDovecot, type Dovecot } from '../../demo/dovecot.ts';
import { CATCH_ALL, DEMO_PASSWORD } from '../../demo/signup-site.ts';
import { SENDERS, startSenderRelay } from '../../demo/outreach.ts';
import { createDirectory, directoryListing } from '../../demo/directory.ts';
import { createLandingPage } from '../../demo/landing-page.ts';
import { listenApp, type Listening } from '../../demo/listen.ts';
import { DEMO_MODEL_KEY, startModelServer } from '../../demo/model-server.ts';
import { registerDemoCredentials } from '../../demo/start.ts';
import type { SmtpRelay } from '../../demo/smtp-relay.ts';

/**
 * flows/lead-pipeline.json and flows/lead-pipeline-daily.json as they ship, against the demo parts
 * `npm run demo` starts (here in-process, on free ports): the business directory and the lead pages,
 * the local model server, three sender accounts on the SMTP relay into a real Dovecot, and the
 * credentials the demo creates. A person starts the daily flow with Run in the studio (as its
 * schedule would); it runs the pipeline over the demo's search terms. The model server's fault
 * control makes the first intro miss its schema for good (E_AI_SCHEMA on that lead) and the second
 * once (corrected on retry).
 */
const studio = useStudio();
let dovecot: Dovecot;
let relay: SmtpRelay;
let site: Listening;
let model: Awaited<ReturnType<typeof startModelServer>>;
const landing = createLandingPage();

beforeAll(async () => {
  dovecot = await startDovecot({ users: [{ name: CATCH_ALL, password: DEMO_PASSWORD }] });
  relay = await startSenderRelay(dovecot);
  const app = express();
  app.use(createDirectory().app);
  app.use(landing.app);
  site = await listenApp(app);
  model = await startModelServer({ apiKey: DEMO_MODEL_KEY });
});
afterAll(async () => {
  await site?.close();
  await model?.close();
  await relay?.stop();
  await dovecot?.stop();
});

const unQuote = (raw: string) => raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
const recipientOf = (raw: string) => /^To: (.+)$/m.exec(raw)![1].trim();

interface Step {
  nodeId: string;
  status: string;
  output: Array<{ port: string; data: Record<string, any> }> | null;
  error: { code: string } | null;
}

describe('the lead pipeline against the demo', () => {
  test('every qualified lead gets one tracked intro, the senders take turns, a click is counted, and an intro that never fits its schema fails that lead with E_AI_SCHEMA', async () => {
    // The credentials exactly as `npm run demo` creates them.
    const registered = await registerDemoCredentials(studio.url, { dovecot, relay, model });
    expect(registered.ok, registered.message).toBe(true);

    // The flows as shipped; only the demo site's address is this test's.
    const text = readFileSync('flows/lead-pipeline.json', 'utf8');
    expect(text).toContain('http://127.0.0.1:3100');
    const pipeline = JSON.parse(text.replaceAll('http://127.0.0.1:3100', site.url));
    await importFlowViaApi(studio.url, pipeline);
    await importFlowViaApi(studio.url, JSON.parse(readFileSync('flows/lead-pipeline-daily.json', 'utf8')));

    // What the demo directory lists for the flow's terms: the unique businesses and the qualified ones.
    const terms = (pipeline.nodes[0].params.groups as Array<{ terms: string[] }>).flatMap((g) => g.terms);
    const unique = new Map(terms.flatMap((t) => directoryListing(t)).map((b) => [b.id, b]));
    const qualified = [...unique.values()].filter((b) => b.employees >= 10 && b.listsEmail);
    // Terms of one trade share businesses (duplicates to remove), and some do not qualify.
    expect(terms.flatMap((t) => directoryListing(t)).length).toBeGreaterThan(unique.size);
    expect(qualified.length).toBeLessThan(unique.size);
    const [failing, corrected] = terms.flatMap((t) => directoryListing(t)).filter((b) => b.employees >= 10 && b.listsEmail);

    // The next four model answers miss the schema: the first lead's answer and both corrections (it
    // fails), then the second lead's first answer (its correction fits).
    const faults = await fetch(`${model.url}/control/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ next: ['mismatch', 'mismatch', 'mismatch', 'mismatch'] }) });
    expect(faults.ok).toBe(true);

    // A person runs the daily flow by hand in the studio; it runs the pipeline and waits for it.
    const page = await studio.page();
    await page.goto(`${studio.url}/flows/lead-pipeline-daily`);
    await page.locator(s.tid('editor')).waitFor();
    await s.waitForCanvas(page);
    const dailyRun = await s.startRun(page);
    await s.waitForRunStatus(page, ['completed', 'failed'], 90_000);
    const pipelineRuns = await api<RunSummary[]>(studio.url, 'GET', '/api/runs?flowId=lead-pipeline');
    expect(pipelineRuns).toHaveLength(1);
    const run = await waitForRun(studio.url, pipelineRuns[0].id);
    expect(run.recordCount).toBe(terms.length);

    // Each qualified lead but the failing one got exactly one mail; the three senders took turns.
    const mailed = relay.received.map((m) => recipientOf(m.raw));
    expect(mailed.sort()).toEqual(qualified.filter((b) => b.id !== failing.id).map((b) => b.email).sort());
    const order = SENDERS.map((x) => x.user);
    expect(relay.received.map((m) => m.user)).toEqual(relay.received.map((_, i) => order[i % 3]));
    const perSender = order.map((u) => relay.received.filter((m) => m.user === u).length);
    expect(Math.max(...perSender) - Math.min(...perSender)).toBeLessThanOrEqual(1);

    // The failing lead's term record failed with E_AI_SCHEMA; the daily run says so with the same code.
    const detail = await api<{ record: { status: string; error: { code: string } | null }; steps: Step[] }>(studio.url, 'GET', `/api/runs/${run.id}/records/0`);
    expect(detail.record).toMatchObject({ status: 'failed', error: { code: 'E_AI_SCHEMA' } });
    const intros = detail.steps.filter((st) => st.nodeId === 'intro');
    expect(intros.find((st) => st.error?.code === 'E_AI_SCHEMA')).toBeTruthy();
    const fixed = intros.find((st) => st.output?.[0]?.data.email === corrected.email)!;
    expect(fixed.output![0].data.aiUsage.calls).toBe(2);
    expect(fixed.output![0].data.intro).toMatchObject({ subject: expect.any(String), body: expect.any(String), headline: expect.any(String) });
    const daily = await api<{ record: { status: string; error: { code: string; message: string } | null } }>(studio.url, 'GET', `/api/runs/${dailyRun}/records/0`);
    expect(daily.record).toMatchObject({ status: 'failed', error: { code: 'E_AI_SCHEMA' } });
    expect(daily.record.error!.message).toContain(run.id);

    // What a person sees: the record's detail names the code.
    await page.goto(`${studio.url}/runs/${run.id}`);
    await page.locator(`${s.tid('records-table')} ${s.tid('record-row-0')}`).click();
    await expect.poll(() => page.locator(`${s.tid('record-detail')} ${s.tid('record-detail-error')}`).textContent()).toContain('E_AI_SCHEMA');

    // The corrected lead's mail: its link goes through the studio (tracked) to its page with the AI headline.
    const mail = relay.received.find((m) => recipientOf(m.raw) === corrected.email)!;
    const body = unQuote(mail.raw);
    expect(body).toContain('List-Unsubscribe');
    const link = new RegExp(`${studio.url.replace(/[.]/g, '\\.')}/t/c/[A-Za-z0-9_.-]+`).exec(body)![0];
    const followed = await fetch(link);
    expect(followed.url.startsWith(`${site.url}/welcome?`)).toBe(true);
    expect(await followed.text()).toContain(String(fixed.output![0].data.intro.headline).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`));
    expect(landing.stats.views).toBe(1);

    await page.goto(`${studio.url}/runs/${run.id}/report`);
    await page.locator(s.tid('report-tracking')).waitFor();
    expect(await page.locator(s.tid('report-tracking-clicks')).textContent()).toBe('1');
    // Secrets never reach the page.
    const html = await page.content();
    for (const secret of [DEMO_MODEL_KEY, ...SENDERS.map((x) => x.password)]) expect(html).not.toContain(secret);
    expect(studio.pageErrors).toEqual([]);
  }, 120_000);
});
