import { networkPolicy } from '../../nodes/sdk/network.ts';
import type { CredentialSource } from '../engine/credentials.ts';
import type { Store } from '../store/types.ts';
import { buildSummary, dueDay, summaryMail } from './daily-summary.ts';
import { sendMail } from './deliver.ts';
import type { MonitorLog } from './monitor-log.ts';
import type { Delivery, MonitorState } from './monitor-state.ts';

export interface SummaryMailerOptions {
  store: Store;
  vault: CredentialSource;
  state: MonitorState;
  log: MonitorLog;
  now: () => number;
  /** Environment for the network policy: summaries reach only what CONVEYOR_ALLOW_HOSTS allows among local hosts. */
  env?: NodeJS.ProcessEnv;
}

/** A failed summary is tried again after this long (the same day). */
const RETRY_MS = 15 * 60_000;

/**
 * Sends each daily summary once a day, at its local time. The day sent is written to the store
 * right after the mail went out, so a restart does not send it again; a send that fails is logged
 * (E_ALERT_DELIVERY) and tried again 15 minutes later, not marked as sent.
 */
export class SummaryMailer {
  private readonly retryAt = new Map<string, number>();
  private running: Promise<void> | null = null;

  constructor(private readonly opts: SummaryMailerOptions) {}

  check(): Promise<void> {
    this.running ??= this.checkAll().finally(() => (this.running = null));
    return this.running;
  }

  private async checkAll(): Promise<void> {
    const { summaries } = await this.opts.state.summaries();
    const now = this.opts.now();
    const log: Delivery[] = [];
    for (const s of summaries) {
      if (!s.enabled) continue;
      const day = dueDay(s, now);
      if (!day || (await this.opts.state.lastSentDay(s.id)) === day) continue;
      if ((this.retryAt.get(s.id) ?? 0) > now) continue;
      const at = new Date(now).toISOString();
      const target = s.recipients.join(', ');
      try {
        const mail = summaryMail(await buildSummary(this.opts.store, s, day));
        await sendMail(this.opts.vault, networkPolicy([], this.opts.env), { credential: s.credential, to: s.recipients, from: s.from, subject: mail.subject, text: mail.text });
        await this.opts.state.markSent(s.id, day);
        this.retryAt.delete(s.id);
        log.push({ at, ruleId: s.id, kind: 'summary', channel: 'mail', ok: true, target, title: mail.subject });
        this.opts.log.info(`Daily summary "${s.id}" of ${day} sent to ${target}.`, { summary: s.id });
      } catch (err) {
        const e = err as { code?: string; message?: string };
        const error = { code: e.code ?? 'E_ALERT_DELIVERY', message: e.message ?? String(err) };
        this.retryAt.set(s.id, now + RETRY_MS);
        log.push({ at, ruleId: s.id, kind: 'summary', channel: 'mail', ok: false, target, title: `Daily summary ${day}`, error });
        this.opts.log.error(`Daily summary "${s.id}" of ${day} not sent: ${error.message}`, { summary: s.id, code: error.code });
      }
    }
    await this.opts.state.logDeliveries(null, log);
  }
}
