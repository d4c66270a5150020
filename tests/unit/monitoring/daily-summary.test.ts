import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { instantOf, localTime } from '../../../server/monitoring/zoned-time.ts';
import { Monitoring } from '../../../server/monitoring/monitoring.ts';
import { buildSummary } from '../../../server/monitoring/daily-summary.ts';
import type { SmtpRelay } from '../../support/mail/smtp.ts';
import { SMTP_LOGIN, addSmtpCredential, bodyOf, captureLog, openWorld, outcomeFlow, runOutcomes, startSmtp, subjectOf, type World } from './fixtures.ts';

let smtp: SmtpRelay;
let w: World | null = null;

beforeAll(async () => {
  smtp = await startSmtp();
});
afterAll(async () => {
  await smtp?.stop();
});
afterEach(async () => {
  await w?.close();
  w = null;
  smtp.received.length = 0;
});

const MINUTE = 60_000;
const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

describe('zoned time', () => {
  it('finds the instant of a local time across daylight saving changes', () => {
    expect(new Date(instantOf('2026-03-28', '08:00', 'Europe/Paris')).toISOString()).toBe('2026-03-28T07:00:00.000Z');
    expect(new Date(instantOf('2026-03-29', '08:00', 'Europe/Paris')).toISOString()).toBe('2026-03-29T06:00:00.000Z');
    expect(new Date(instantOf('2026-11-01', '08:00', 'America/New_York')).toISOString()).toBe('2026-11-01T13:00:00.000Z');
    expect(localTime(Date.parse('2026-06-30T22:30:00Z'), 'Asia/Tokyo')).toEqual({ day: '2026-07-01', minuteOfDay: 7 * 60 + 30 });
  });
});

describe('daily summary mail', () => {
  it('is sent once a day at its local time with runs, outcomes, records by status and top error codes — not again after a restart, again the next day', async () => {
    w = await openWorld({ env: { CONVEYOR_ALLOW_HOSTS: `127.0.0.1:${smtp.port}` } });
    const c = w.conveyor;
    await addSmtpCredential(c, smtp);
    const doc = outcomeFlow('leads', []);
    await c.flows.import(doc, 'replace');
    await runOutcomes(c, doc, [true, true, false]);
    await runOutcomes(c, doc, [false]);
    // Sent at the next whole minute after the runs (UTC): they fall in the 24 hours before it.
    let sendAt = Math.ceil((Date.now() + 1) / MINUTE) * MINUTE + MINUTE;
    // A minute before it must be the same day: at 23:59 a send time of 00:00 is the day's, already past
    // (the summary is due at once). Run from 23:58 to midnight UTC, this test failed on that.
    if (new Date(sendAt - MINUTE).getUTCDate() !== new Date(sendAt).getUTCDate()) sendAt += 2 * MINUTE;
    await w.monitoring.state.saveSummaries({ summaries: [{ id: 'ops', enabled: true, time: hhmm(sendAt), timeZone: 'UTC', recipients: ['boss@team.example'], credential: 'alert-mail', flows: [] }] });

    w.clock.now = sendAt - MINUTE;
    await w.monitoring.check();
    expect(smtp.received).toHaveLength(0);

    w.clock.now = sendAt + 5 * MINUTE;
    await w.monitoring.check();
    expect(smtp.received).toHaveLength(1);
    const day = new Date(sendAt).toISOString().slice(0, 10);
    expect(subjectOf(smtp.received[0].raw)).toBe(`[Conveyor] Daily summary ${day}: 2 runs, 2 failed records`);
    expect(smtp.received[0]).toMatchObject({ to: ['boss@team.example'], user: SMTP_LOGIN.user });
    const body = bodyOf(smtp.received[0].raw);
    expect(body).toContain('2 completed with failed records');
    expect(body).toMatch(/success: 2\r?\n\s+failed: 2/);
    expect(body).toMatch(/Top error codes:\r?\n\s+E_NETWORK_BLOCKED: 2/);
    expect(body).toContain('Outcomes leads (leads): 2 runs, 2 failed records');
    expect(await w.monitoring.state.lastSentDay('ops')).toBe(day);

    // Later the same day, and after a restart (a new monitoring object on the same store): nothing more.
    w.clock.now = sendAt + 3 * 60 * MINUTE;
    await w.monitoring.check();
    const restarted = new Monitoring({ store: c.store, engine: c.engine, scheduler: c.scheduler, vault: c.vault, log: captureLog(), now: () => sendAt + 4 * 60 * MINUTE, env: { CONVEYOR_ALLOW_HOSTS: `127.0.0.1:${smtp.port}` } });
    await restarted.check();
    restarted.close();
    expect(smtp.received).toHaveLength(1);

    // The next day: the next summary (no run in its 24 hours).
    w.clock.now = sendAt + 24 * 60 * MINUTE;
    await w.monitoring.check();
    expect(smtp.received).toHaveLength(2);
    expect(subjectOf(smtp.received[1].raw)).toMatch(/: 0 runs, 0 failed records$/);
    expect(bodyOf(smtp.received[1].raw)).toContain('No run started in this period.');
    expect((await w.monitoring.state.deliveries(null)).map((d) => [d.kind, d.ok])).toEqual([
      ['summary', true],
      ['summary', true],
    ]);
  });

  it('covers only the flows it names (a per-flow summary), or every flow when it names none', async () => {
    w = await openWorld();
    const c = w.conveyor;
    const leads = outcomeFlow('leads', []);
    const other = outcomeFlow('other', []);
    await runOutcomes(c, leads, [true, false]);
    await runOutcomes(c, other, [true]);
    let sendAt = Math.ceil((Date.now() + 1) / MINUTE) * MINUTE + MINUTE;
    // A minute before it must be the same day: at 23:59 a send time of 00:00 is the day's, already past
    // (the summary is due at once). Run from 23:58 to midnight UTC, this test failed on that.
    if (new Date(sendAt - MINUTE).getUTCDate() !== new Date(sendAt).getUTCDate()) sendAt += 2 * MINUTE;
    const day = new Date(sendAt).toISOString().slice(0, 10);
    const base = { id: 's', enabled: true, time: hhmm(sendAt), timeZone: 'UTC', recipients: ['a@b.example'], credential: 'x' };
    const onlyLeads = await buildSummary(c.store, { ...base, flows: ['leads'] }, day);
    expect(onlyLeads).toMatchObject({ runs: 1, records: { success: 1, failed: 1 }, flows: [{ flowId: 'leads', runs: 1, failed: 1 }] });
    const all = await buildSummary(c.store, { ...base, flows: [] }, day);
    expect(all.runs).toBe(2);
    expect(all.flows.map((f) => f.flowId)).toEqual(['leads', 'other']);
  });

  it('does not mark a summary sent when the mail fails: logged with its code, tried again later', async () => {
    // No allowance for the local SMTP server: the network policy refuses it.
    w = await openWorld({ env: {} });
    await addSmtpCredential(w.conveyor, smtp);
    w.clock.now = Date.parse('2026-05-04T09:00:00Z');
    await w.monitoring.state.saveSummaries({ summaries: [{ id: 'ops', enabled: true, time: '08:00', timeZone: 'UTC', recipients: ['boss@team.example'], credential: 'alert-mail', flows: [] }] });
    await w.monitoring.check();
    expect(smtp.received).toHaveLength(0);
    expect(await w.monitoring.state.lastSentDay('ops')).toBeNull();
    const line = w.log.lines.find((l) => l.level === 'error');
    expect(line?.context).toMatchObject({ code: 'E_ALERT_DELIVERY', summary: 'ops' });
    expect(line?.msg).toMatch(/127\.0\.0\.1 port \d+ was refused/);
    expect(JSON.stringify(w.log.lines)).not.toContain(SMTP_LOGIN.password);
    // Allowed now (a new object with the allowance), after the retry delay: sent.
    const fixedLog = captureLog();
    const fixed = new Monitoring({ store: w.conveyor.store, engine: w.conveyor.engine, scheduler: w.conveyor.scheduler, vault: w.conveyor.vault, log: fixedLog, now: () => Date.parse('2026-05-04T09:20:00Z'), env: { CONVEYOR_ALLOW_HOSTS: `127.0.0.1:${smtp.port}` } });
    await fixed.check();
    fixed.close();
    expect(smtp.received).toHaveLength(1);
    expect(await w.monitoring.state.lastSentDay('ops')).toBe('2026-05-04');
    // The refused try was not taken by any server: nothing to be in doubt about.
    expect(fixedLog.lines.some((l) => l.context?.code === 'E_SUMMARY_IN_DOUBT')).toBe(false);
  });

  it('a crash after the mail went out and before it was recorded: the next studio sends it again with the same Message-ID, saying so', async () => {
    const env = { CONVEYOR_ALLOW_HOSTS: `127.0.0.1:${smtp.port}` };
    w = await openWorld({ env });
    await addSmtpCredential(w.conveyor, smtp);
    w.clock.now = Date.parse('2026-05-04T09:00:00Z');
    await w.monitoring.state.saveSummaries({ summaries: [{ id: 'ops', enabled: true, time: '08:00', timeZone: 'UTC', recipients: ['boss@team.example'], credential: 'alert-mail', flows: [] }] });
    // The process dies right after the SMTP server took the mail: "sent" is never written.
    vi.spyOn(w.monitoring.state, 'markSent').mockRejectedValueOnce(new Error('killed before the write'));
    await w.monitoring.check();
    expect(smtp.received).toHaveLength(1);
    expect(await w.monitoring.state.lastSentDay('ops')).toBeNull();

    const log = captureLog();
    const { store, engine, scheduler, vault } = w.conveyor;
    const restarted = new Monitoring({ store, engine, scheduler, vault, log, now: () => Date.parse('2026-05-04T09:01:00Z'), env });
    await restarted.check();
    restarted.close();
    expect(smtp.received).toHaveLength(2);
    const messageId = (raw: string) => /^Message-ID:\s*(<[^>\r\n]+>)/im.exec(raw)?.[1];
    expect(messageId(smtp.received[0].raw)).toMatch(/^<summary\.ops\.2026-05-04\.[0-9a-f]{16}@conveyor\.invalid>$/);
    expect(messageId(smtp.received[1].raw)).toBe(messageId(smtp.received[0].raw));
    const warning = log.lines.find((l) => l.context?.code === 'E_SUMMARY_IN_DOUBT');
    expect(warning?.msg).toMatch(/"ops" of 2026-05-04 may have been sent already/);
    expect(await w.monitoring.state.lastSentDay('ops')).toBe('2026-05-04');

    // The next day's summary is another message; it is not in doubt.
    w.clock.now = Date.parse('2026-05-05T08:30:00Z');
    await w.monitoring.check();
    expect(smtp.received).toHaveLength(3);
    expect(messageId(smtp.received[2].raw)).toMatch(/^<summary\.ops\.2026-05-05\./);
    expect(w.log.lines.some((l) => l.context?.code === 'E_SUMMARY_IN_DOUBT')).toBe(false);
  });
});
