import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../../server/main.ts';
import { FLOW_FORMAT } from '../../../server/contract/flow/schema.ts';
import type { SmtpRelay } from '../../support/mail/smtp.ts';
import { SMTP_LOGIN, addSmtpCredential, bodyOf, subjectOf, openWorld, outcomeFlow, runOutcomes, startReceiver, startSmtp, type Receiver, type World } from './fixtures.ts';

let smtp: SmtpRelay;
let hook: Receiver;
let w: World | null = null;

beforeAll(async () => {
  smtp = await startSmtp();
  hook = await startReceiver();
});
afterAll(async () => {
  await smtp?.stop();
  await hook?.close();
});
afterEach(async () => {
  await w?.close();
  w = null;
  smtp.received.length = 0;
  hook.bodies.length = 0;
  hook.status = 200;
});

const subjects = () => smtp.received.map((m) => subjectOf(m.raw));

describe('alert rules: failure rate', () => {
  it('alerts once by mail and webhook when the failure rate passes the limit, stays quiet while it holds, and says when it is resolved', async () => {
    w = await openWorld();
    const c = w.conveyor;
    await addSmtpCredential(c, smtp);
    const doc = outcomeFlow('leads', [`127.0.0.1:${smtp.port}`, `127.0.0.1:${hook.port}`]);
    await c.flows.import(doc, 'replace');
    await w.monitoring.state.saveAlerts('leads', {
      enabled: true,
      rules: [{ id: 'too-many-failures', kind: 'failure_rate', threshold: 0.2, windowMinutes: 60, minRecords: 4 }],
      mail: { credential: 'alert-mail', to: ['ops@team.example'] },
      webhook: { url: hook.url },
    });

    // 1 of 3: too few records to decide.
    await runOutcomes(c, doc, [true, true, false]);
    w.clock.now = Date.now();
    await w.monitoring.check();
    expect(smtp.received).toHaveLength(0);

    // 2 of 5 = 40 % > 20 %: one alert on each channel.
    await runOutcomes(c, doc, [true, false]);
    w.clock.now = Date.now();
    await w.monitoring.check();
    expect(subjects()).toEqual(['[Conveyor] ALERT "Outcomes leads": 40 % of records failed (above 20 %)']);
    expect(smtp.received[0]).toMatchObject({ to: ['ops@team.example'], user: SMTP_LOGIN.user });
    expect(bodyOf(smtp.received[0].raw)).toContain('2 of 5 records that ran in the last 60 min failed.');
    expect(hook.bodies).toHaveLength(1);
    expect(hook.bodies[0]).toMatchObject({ type: 'alert', flowId: 'leads', rule: { id: 'too-many-failures' }, title: '40 % of records failed (above 20 %)' });

    // Still above: no second alert (also not from a new monitoring object: what fires is in the store).
    await runOutcomes(c, doc, [false]);
    w.clock.now = Date.now();
    await w.monitoring.check();
    expect(smtp.received).toHaveLength(1);
    expect(hook.bodies).toHaveLength(1);
    expect((await w.monitoring.state.firing('leads'))['too-many-failures']).toMatchObject({ delivered: true });

    // Enough successes bring it to 3 of 16 < 20 %: resolved, once.
    await runOutcomes(c, doc, Array(10).fill(true));
    w.clock.now = Date.now();
    await w.monitoring.check();
    await w.monitoring.check();
    expect(subjects()[1]).toBe('[Conveyor] RESOLVED "Outcomes leads": failure rate 18.8 % (limit 20 %)');
    expect(smtp.received).toHaveLength(2);
    expect(hook.bodies.map((b) => b.type)).toEqual(['alert', 'resolved']);
    expect(await w.monitoring.state.firing('leads')).toEqual({});

    // Each delivery is in the flow's delivery log (newest first), never with the SMTP password or the hook's token.
    const log = await w.monitoring.state.deliveries('leads');
    expect(log.map((d) => [d.kind, d.channel, d.ok])).toEqual([
      ['resolved', 'webhook', true],
      ['resolved', 'mail', true],
      ['alert', 'webhook', true],
      ['alert', 'mail', true],
    ]);
    expect(log.find((d) => d.channel === 'webhook')?.target).toBe(`http://127.0.0.1:${hook.port}/hooks/alerts`);
    const told = JSON.stringify([log, w.log.lines]);
    expect(told).not.toContain(SMTP_LOGIN.password);
    expect(told).not.toContain('hook-token-5521');
  });

  it('a signed alert webhook (a Webhook signing secret) is checked by another studio\'s hook as any signed sender: one run per alert, a wrong secret refused', async () => {
    const secret = 'alert-signing-secret-0123456789';
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-alert-receiver-'));
    const receiver = await startServer({ port: 0, host: '127.0.0.1', dataDir, clientDir: path.join(dataDir, 'no-client') });
    try {
      await receiver.conveyor.vault.create({ name: 'alerts-in', kind: 'webhook_secret', fields: {}, secrets: { secret }, scope: { nodeTypes: ['webhook.trigger'] } });
      await receiver.conveyor.flows.import(
        {
          format: FLOW_FORMAT,
          id: 'incoming-alerts',
          name: 'Incoming alerts',
          description: '',
          settings: { concurrency: 1 },
          nodes: [{ id: 'hook', type: 'webhook.trigger', position: { x: 0, y: 0 }, params: { name: 'alerts', secret: 'alerts-in', verify: 'signature', eventIdPath: 'id' } }],
          edges: [],
        },
        'replace',
      );
      const hookUrl = `${receiver.url}/hooks/incoming-alerts/alerts`;
      w = await openWorld();
      const c = w.conveyor;
      await c.vault.create({ name: 'alerts-out', kind: 'webhook_secret', fields: {}, secrets: { secret }, scope: { nodeTypes: ['webhook.trigger'] } });
      await c.vault.create({ name: 'wrong-secret', kind: 'webhook_secret', fields: {}, secrets: { secret: 'not-the-receivers-secret-000000' }, scope: { nodeTypes: ['webhook.trigger'] } });
      const doc = outcomeFlow('signed', [new URL(receiver.url).host]);
      await c.flows.import(doc, 'replace');
      const rules = [{ id: 'fails', kind: 'failure_rate' as const, threshold: 0.2, windowRecords: 10, minRecords: 2 }];
      await w.monitoring.state.saveAlerts('signed', { enabled: true, rules, mail: null, webhook: { url: hookUrl, secret: 'alerts-out' } });
      await runOutcomes(c, doc, [false, false, true]);
      w.clock.now = Date.now();
      await w.monitoring.check();
      const runs = await receiver.conveyor.store.listRuns({ flowId: 'incoming-alerts', limit: 10 });
      expect(runs).toHaveLength(1);
      const record = await receiver.conveyor.store.getRecord(runs[0].id, 0);
      expect(record?.data).toMatchObject({ eventId: expect.stringMatching(/^alert:signed:fails:/), body: { type: 'alert', flowId: 'signed', rule: { id: 'fails' } } });
      expect((await w.monitoring.state.deliveries('signed'))[0]).toMatchObject({ channel: 'webhook', ok: true });

      // Signed with another secret: the receiving hook refuses it, and the delivery says so.
      await w.monitoring.state.saveAlerts('signed', { enabled: true, rules, mail: null, webhook: { url: hookUrl, secret: 'wrong-secret' } });
      const test = await w.monitoring.alerts.test('signed', 'Outcomes signed', [new URL(receiver.url).host], await w.monitoring.state.alerts('signed'));
      expect(test[0]).toMatchObject({ channel: 'webhook', ok: false, error: { code: 'E_ALERT_DELIVERY', message: expect.stringContaining('answered 400 (E_HOOK_SIGNATURE_INVALID: ') } });
      expect(await receiver.conveyor.store.listRuns({ flowId: 'incoming-alerts', limit: 10 })).toHaveLength(1);
      expect(JSON.stringify([await w.monitoring.state.deliveries('signed'), w.log.lines])).not.toContain(secret);
    } finally {
      await receiver.close();
    }
  });

  it('logs a delivery that fails with E_ALERT_DELIVERY, keeps the engine running, and delivers the alert on a later try', async () => {
    w = await openWorld();
    const c = w.conveyor;
    const doc = outcomeFlow('flaky-hook', [`127.0.0.1:${hook.port}`]);
    await c.flows.import(doc, 'replace');
    await w.monitoring.state.saveAlerts('flaky-hook', { enabled: true, rules: [{ id: 'fails', kind: 'failure_rate', threshold: 0.3, windowRecords: 10, minRecords: 2 }], mail: null, webhook: { url: hook.url } });
    await runOutcomes(c, doc, [false, false, true]);
    hook.status = 500;
    w.clock.now = Date.now();
    await expect(w.monitoring.check()).resolves.toBeUndefined();
    const failed = w.log.lines.find((l) => l.level === 'error');
    expect(failed?.context).toMatchObject({ code: 'E_ALERT_DELIVERY', flowId: 'flaky-hook', channel: 'webhook' });
    expect(failed?.msg).toContain(`the webhook http://127.0.0.1:${hook.port}/hooks/alerts answered 500`);
    expect((await w.monitoring.state.deliveries('flaky-hook'))[0]).toMatchObject({ ok: false, error: { code: 'E_ALERT_DELIVERY' } });
    expect((await w.monitoring.state.firing('flaky-hook')).fails).toMatchObject({ delivered: false });

    // The engine still runs flows.
    expect(await c.engine.summary(await runOutcomes(c, doc, [true]))).toMatchObject({ status: 'completed' });

    // Before the retry time nothing is sent; after it, the alert goes out.
    hook.status = 200;
    await w.monitoring.check();
    expect(hook.bodies.filter((b) => b.type === 'alert')).toHaveLength(1); // the refused attempt reached the receiver once
    w.clock.now += 6 * 60_000;
    await w.monitoring.check();
    expect(hook.bodies.filter((b) => b.type === 'alert')).toHaveLength(2);
    expect((await w.monitoring.state.firing('flaky-hook')).fails).toMatchObject({ delivered: true });
  });
});

describe('alert rules: runs and schedules', () => {
  it('alerts when a run makes no progress for the rule\'s minutes, and resolves when it is stopped', async () => {
    w = await openWorld();
    const c = w.conveyor;
    const doc = outcomeFlow('slow', [`127.0.0.1:${hook.port}`]);
    // A delay of an hour, with no timeout: the run sits in it.
    doc.nodes.splice(1, 0, { id: 'wait', type: 'core.delay', position: { x: 100, y: 0 }, params: { ms: 3_600_000 } });
    doc.edges[0] = { id: 'e1', source: 'trigger', sourcePort: 'out', target: 'wait', targetPort: 'in' };
    doc.edges.push({ id: 'e4', source: 'wait', sourcePort: 'out', target: 'check', targetPort: 'in' });
    await c.flows.import(doc, 'replace');
    await w.monitoring.state.saveAlerts('slow', { enabled: true, rules: [{ id: 'stuck', kind: 'run_stuck', minutes: 15 }], mail: null, webhook: { url: hook.url } });
    const run = await c.engine.startRun(doc, { input: { records: [{ ok: true }] } });
    w.clock.now = Date.now() + 14 * 60_000;
    await w.monitoring.check();
    expect(hook.bodies).toHaveLength(0);
    w.clock.now = Date.now() + 16 * 60_000;
    await w.monitoring.check();
    expect(hook.bodies).toHaveLength(1);
    expect(hook.bodies[0].title).toBe('a run made no progress for 15 min or more');
    expect(hook.bodies[0].detail).toMatch(new RegExp(`Run ${run.id}: no step started or ended for 16 min \\(1 records under way, 0 waiting\\)`));
    await c.engine.stop(run.id);
    await c.engine.waitForRun(run.id);
    await w.monitoring.check();
    expect(hook.bodies.map((b) => b.type)).toEqual(['alert', 'resolved']);
  });

  it('alerts when a switched-on schedule misses its tick (its timer never fired) past the grace', async () => {
    w = await openWorld({ schedules: true });
    const c = w.conveyor;
    const doc = outcomeFlow('hourly', [`127.0.0.1:${hook.port}`]);
    doc.nodes[0] = { id: 'trigger', type: 'schedule.trigger', position: { x: 0, y: 0 }, params: { mode: 'interval', intervalSeconds: 3600 } };
    await c.flows.import(doc, 'replace');
    await c.scheduler.setEnabled('hourly', true);
    await w.monitoring.state.saveAlerts('hourly', { enabled: true, rules: [{ id: 'missed', kind: 'schedule_missed', graceMinutes: 5 }], mail: null, webhook: { url: hook.url } });
    const due = Date.parse((await c.scheduler.get('hourly'))!.next[0]);
    await w.monitoring.check(); // notes the tick it expects
    // The process stalls: the timers stop (as if the event loop were blocked), the clock goes on.
    await c.scheduler.close();
    w.clock.now = due + 4 * 60_000;
    await w.monitoring.check();
    expect(hook.bodies).toHaveLength(0);
    w.clock.now = due + 6 * 60_000;
    await w.monitoring.check();
    expect(hook.bodies).toHaveLength(1);
    expect(hook.bodies[0]).toMatchObject({ type: 'alert', title: 'the schedule missed its tick' });
    expect(hook.bodies[0].detail).toContain(`The tick due at ${new Date(due).toISOString()} has not fired 6 min later`);
  });

  it('alerts when the scheduler reports ticks missed while the studio was down, until the next tick fires', async () => {
    w = await openWorld();
    const doc = outcomeFlow('nightly', [`127.0.0.1:${hook.port}`]);
    doc.nodes[0] = { id: 'trigger', type: 'schedule.trigger', position: { x: 0, y: 0 }, params: { mode: 'interval', intervalSeconds: 3600 } };
    await w.conveyor.flows.import(doc, 'replace');
    await w.conveyor.scheduler.setEnabled('nightly', true);
    await w.monitoring.state.saveAlerts('nightly', { enabled: true, rules: [{ id: 'missed', kind: 'schedule_missed', graceMinutes: 5 }], mail: null, webhook: { url: hook.url } });
    w.monitoring.alerts.schedules.onEvent({ type: 'skipped', flowId: 'nightly', scheduledFor: '2026-01-01T03:00:00.000Z', reason: 'missed', count: 2 });
    await w.monitoring.check();
    expect(hook.bodies[0].detail).toBe('2 ticks were missed (the last due 2026-01-01T03:00:00.000Z) while the studio was not running, and skipped as the flow asks.');
    w.monitoring.alerts.schedules.onEvent({ type: 'tick', flowId: 'nightly', scheduledFor: '2026-01-01T04:00:00.000Z', firedAt: '2026-01-01T04:00:00.010Z', tick: 1, runId: 'run_x' });
    await w.monitoring.check();
    expect(hook.bodies.map((b) => b.type)).toEqual(['alert', 'resolved']);
  });
});
