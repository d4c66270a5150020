import { networkPolicy } from '../../nodes/sdk/network.ts';
import { buildSummary, dueDay, summaryMail } from './daily-summary.ts';
import { sendMail } from './deliver.ts';
import { attemptDelivery, type MonitorParts } from './delivery-attempt.ts';
import type { Delivery } from './monitor-state.ts';

/** A failed summary is tried again after this long (the same day). */
const RETRY_MS = 15 * 60_000;

/**
 * Sends each daily summary once a day, at its local time. The day sent is written to the store
 * right after the mail went out, so a restart does not send it again; a send that fails is logged
 * (E_ALERT_DELIVERY) and tried again 15 minutes later, not marked as sent.
 *
 * A crash after the SMTP server took the mail and before the day was written leaves the mail in
 * doubt: the day is written as "sending" before each attempt, so the next studio knows. It sends
 * again (a lost summary is worse than a second one) with the same Message-ID as every attempt of
 * that summary and day, which mail services such as Gmail use to drop the copy, and logs
 * E_SUMMARY_IN_DOUBT.
 */
export class SummaryMailer {
  private readonly retryAt = new Map<string, number>();
  private running: Promise<void> | null = null;

  /** `env`: summaries belong to no flow, so they reach only what CONVEYOR_ALLOW_HOSTS allows among local hosts. */
  constructor(private readonly opts: MonitorParts) {}

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
      if ((await this.opts.state.sendingDay(s.id)) === day) {
        this.opts.log.warn(
          `Daily summary "${s.id}" of ${day} may have been sent already: the studio stopped while it was being sent, before it was recorded. Sending it again with the same Message-ID, which most mail services use to drop a copy.`,
          { summary: s.id, code: 'E_SUMMARY_IN_DOUBT' },
        );
      }
      const messageId = `summary.${encodeURIComponent(s.id)}.${day}.${await this.opts.state.installTag()}@conveyor.invalid`;
      const target = s.recipients.join(', ');
      const entry = { at: new Date(now).toISOString(), ruleId: s.id, kind: 'summary' as const, channel: 'mail' as const, target, title: `Daily summary ${day}` };
      const sent = await attemptDelivery(this.opts.log, log, entry, async () => {
        const mail = summaryMail(await buildSummary(this.opts.store, s, day));
        entry.title = mail.subject;
        await this.opts.state.markSending(s.id, day);
        try {
          await sendMail(this.opts.vault, networkPolicy([], this.opts.env), { credential: s.credential, to: s.recipients, from: s.from, subject: mail.subject, text: mail.text, messageId });
        } catch (err) {
          // Not confirmed by the server: the next try is an ordinary one (it keeps the Message-ID).
          await this.opts.state.markSending(s.id, null);
          throw err;
        }
        // Written right after the mail went out: a restart does not send it again.
        await this.opts.state.markSent(s.id, day);
      }, { ok: `Daily summary "${s.id}" of ${day} sent to ${target}.`, failed: `Daily summary "${s.id}" of ${day} not sent`, context: { summary: s.id } });
      if (sent) this.retryAt.delete(s.id);
      else this.retryAt.set(s.id, now + RETRY_MS);
    }
    await this.opts.state.logDeliveries(null, log);
  }
}
