import { networkPolicy } from '../../nodes/sdk/network.ts';
import type { Engine } from '../engine/engine.ts';
import type { Scheduler } from '../scheduler/scheduler.ts';
import { evaluate, type Condition } from './conditions.ts';
import { postWebhook, sendMail, shownUrl, webhookSigningSecret } from './deliver.ts';
import { attemptDelivery, type MonitorParts } from './delivery-attempt.ts';
import type { Delivery, Firing } from './monitor-state.ts';
import { ScheduleWatch } from './schedule-watch.ts';
import type { AlertRule, AlertSettings } from '../contract/wire/monitoring-settings.ts';

export interface AlertMonitorOptions extends MonitorParts {
  engine: Engine;
  scheduler: Scheduler;
}

/** An undelivered alert is tried again after this long while its condition still holds. */
const RETRY_MS = 5 * 60_000;

/**
 * Looks at every flow's alert rules and sends what changed: one alert when a condition starts to
 * hold, nothing while it keeps holding, one "resolved" message when it clears. What is firing is
 * kept in the store, so a restart neither repeats an alert nor forgets to resolve it. A delivery
 * that fails is logged with its code (E_ALERT_DELIVERY) and tried again later; it never throws.
 */
export class AlertMonitor {
  readonly schedules = new ScheduleWatch();
  private running: Promise<void> | null = null;

  constructor(private readonly opts: AlertMonitorOptions) {}

  /** One look at every flow (the monitor's timer calls it; tests call it with their clock). Never runs twice at once. */
  check(): Promise<void> {
    this.running ??= this.checkAll().finally(() => (this.running = null));
    return this.running;
  }

  private async checkAll(): Promise<void> {
    for (const flow of await this.opts.store.listFlows()) {
      try {
        await this.checkFlow(flow.id, flow.name, flow.doc.settings?.allowHosts ?? []);
      } catch (err) {
        this.opts.log.error(`Alert rules of flow ${flow.id} could not be checked: ${(err as Error).message}`, { flowId: flow.id, code: 'E_ALERT_CHECK' });
      }
    }
  }

  private async checkFlow(flowId: string, flowName: string, allowHosts: string[]): Promise<void> {
    const settings = await this.opts.state.alerts(flowId);
    if (!settings.enabled || settings.rules.length === 0) return;
    const now = this.opts.now();
    const inputs = { store: this.opts.store, flowId, flowName, now, activeRuns: await this.opts.engine.runningRuns(), schedule: await this.opts.scheduler.get(flowId), schedules: this.schedules };
    const firing = await this.opts.state.firing(flowId);
    const deliveries: Delivery[] = [];
    for (const rule of settings.rules) {
      const cond = await evaluate(rule, inputs);
      const was = firing[rule.id];
      if (cond.firing && (!was || (!was.delivered && was.retryAt && Date.parse(was.retryAt) <= now))) {
        const sent = await this.deliver(settings, allowHosts, 'alert', flowId, flowName, rule, cond, was?.since ?? new Date(now).toISOString(), deliveries);
        const next: Firing = { since: was?.since ?? new Date(now).toISOString(), title: cond.title, detail: cond.detail, delivered: sent, ...(sent ? {} : { retryAt: new Date(now + RETRY_MS).toISOString() }) };
        await this.opts.state.setFiring(flowId, rule.id, next);
      } else if (!cond.firing && was) {
        // Resolved: told only where the alert itself went out.
        if (was.delivered) await this.deliver(settings, allowHosts, 'resolved', flowId, flowName, rule, cond, was.since, deliveries);
        await this.opts.state.setFiring(flowId, rule.id, null);
      }
    }
    await this.opts.state.logDeliveries(flowId, deliveries);
  }

  /** Sends to every channel of the settings; true when at least one took it. */
  private async deliver(settings: AlertSettings, allowHosts: string[], kind: 'alert' | 'resolved' | 'test', flowId: string, flowName: string, rule: AlertRule, cond: Condition, since: string, log: Delivery[]): Promise<boolean> {
    const policy = networkPolicy(allowHosts, this.opts.env);
    const at = new Date(this.opts.now()).toISOString();
    const word = kind === 'resolved' ? 'RESOLVED' : kind === 'test' ? 'TEST' : 'ALERT';
    const title = `[Conveyor] ${word} "${flowName}": ${cond.title}`;
    const text = [
      kind === 'resolved' ? `The condition of rule "${rule.id}" (${rule.kind}) no longer holds.` : kind === 'test' ? 'A test of the alert settings: no condition fired.' : `The condition of rule "${rule.id}" (${rule.kind}) holds since ${since}.`,
      '',
      cond.detail,
      '',
      `Flow: ${flowName} (${flowId})`,
      `At: ${at}`,
    ].join('\n');
    let ok = false;
    const attempt = async (channel: Delivery['channel'], target: string, send: () => Promise<void>) => {
      const said = { ok: `Monitoring ${kind} "${cond.title}" of flow ${flowId} delivered by ${channel} to ${target}.`, failed: `Monitoring ${kind} of flow ${flowId} not delivered by ${channel}`, context: { flowId, rule: rule.id, channel } };
      if (await attemptDelivery(this.opts.log, log, { at, ruleId: rule.id, kind, channel, target, title }, send, said)) ok = true;
    };
    if (settings.mail) {
      const mail = settings.mail;
      await attempt('mail', mail.to.join(', '), () => sendMail(this.opts.vault, policy, { credential: mail.credential, to: mail.to, from: mail.from, subject: title, text }));
    }
    if (settings.webhook) {
      const { url, secret } = settings.webhook;
      // The same id on every try of one alert (or its resolution): a receiver skips a delivery tried again.
      const id = kind === 'test' ? `test:${flowId}:${at}` : `${kind}:${flowId}:${rule.id}:${since}`;
      const payload = { id, type: kind, flowId, flowName, rule, title: cond.title, detail: cond.detail, since, at };
      // The secret is read from the vault for each delivery, never kept nor told.
      await attempt('webhook', shownUrl(url), async () => postWebhook(policy, url, payload, secret === undefined ? undefined : await webhookSigningSecret(this.opts.vault, secret)));
    }
    policy.close();
    return ok;
  }

  /** Sends a test message through the flow's channels (POST …/alerts/test): the deliveries, as logged. */
  async test(flowId: string, flowName: string, allowHosts: string[], settings: AlertSettings): Promise<Delivery[]> {
    const log: Delivery[] = [];
    const rule: AlertRule = settings.rules[0] ?? { id: 'test', kind: 'run_stuck', minutes: 1 };
    await this.deliver(settings, allowHosts, 'test', flowId, flowName, rule, { ruleId: rule.id, firing: false, title: 'test message', detail: 'The alert settings work: this message reached you.' }, new Date(this.opts.now()).toISOString(), log);
    await this.opts.state.logDeliveries(flowId, log);
    return log;
  }
}
