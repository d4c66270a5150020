import { randomBytes } from 'node:crypto';
import type { Json } from '../../nodes/sdk/types.ts';
import type { Store } from '../store/types.ts';
import { EMPTY_ALERTS, alertSettings, summarySettings, type AlertSettings, type SummarySettings } from '../contract/wire/monitoring-settings.ts';
import type { Firing, Delivery } from '../contract/wire/monitoring.ts';
export type { Firing, Delivery };

/**
 * Where monitoring keeps what it must remember across restarts, in the store's node state (one
 * atomic write each): per flow (scope `monitor:<flowId>`) the alert settings, the conditions that
 * are firing (so an alert is sent once until it clears) and the delivery log; for the install
 * (scope `monitor:install`) the daily summaries and the last day each was sent.
 */
const ALERTS = 'alerts';
const SUMMARY = 'summary';
const INSTALL = 'monitor:install';
const DELIVERIES_KEPT = 50;

export const flowScope = (flowId: string) => `monitor:${flowId}`;

export class MonitorState {
  constructor(private readonly store: Store) {}

  async alerts(flowId: string): Promise<AlertSettings> {
    const raw = await this.store.getNodeState(flowScope(flowId), ALERTS, 'settings');
    if (raw === null) return EMPTY_ALERTS;
    const parsed = alertSettings.safeParse(raw);
    // Written by this code after validation; a value from another version is shown as none.
    return parsed.success ? parsed.data : EMPTY_ALERTS;
  }

  async saveAlerts(flowId: string, settings: AlertSettings): Promise<void> {
    const scope = flowScope(flowId);
    const current = await this.firing(flowId);
    // Conditions of rules that are gone are forgotten (no "resolved" for a rule nobody watches now).
    const kept = new Set(settings.rules.map((r) => r.id));
    const dropped = Object.keys(current).filter((id) => !kept.has(id));
    await this.store.putNodeState([
      { scope, nodeId: ALERTS, key: 'settings', value: settings as unknown as Json },
      ...dropped.map((id) => ({ scope, nodeId: ALERTS, key: `firing:${id}`, value: null })),
    ]);
  }

  async firing(flowId: string): Promise<Record<string, Firing>> {
    const rows = await this.store.listNodeState(flowScope(flowId), ALERTS, 'firing:');
    return Object.fromEntries(rows.map((r) => [r.key.slice('firing:'.length), r.value as unknown as Firing]));
  }

  async setFiring(flowId: string, ruleId: string, firing: Firing | null): Promise<void> {
    await this.store.putNodeState([{ scope: flowScope(flowId), nodeId: ALERTS, key: `firing:${ruleId}`, value: firing as unknown as Json }]);
  }

  async deliveries(scopeFlowId: string | null): Promise<Delivery[]> {
    const value = await this.store.getNodeState(scopeFlowId ? flowScope(scopeFlowId) : INSTALL, scopeFlowId ? ALERTS : SUMMARY, 'deliveries');
    return Array.isArray(value) ? (value as unknown as Delivery[]) : [];
  }

  /** Adds deliveries to the log of a flow (alerts) or of the install (summaries), newest first, the last 50 kept. */
  async logDeliveries(scopeFlowId: string | null, added: Delivery[]): Promise<void> {
    if (!added.length) return;
    const log = [...added.reverse(), ...(await this.deliveries(scopeFlowId))].slice(0, DELIVERIES_KEPT);
    await this.store.putNodeState([{ scope: scopeFlowId ? flowScope(scopeFlowId) : INSTALL, nodeId: scopeFlowId ? ALERTS : SUMMARY, key: 'deliveries', value: log as unknown as Json }]);
  }

  async summaries(): Promise<SummarySettings> {
    const raw = await this.store.getNodeState(INSTALL, SUMMARY, 'settings');
    const parsed = summarySettings.safeParse(raw ?? {});
    return parsed.success ? parsed.data : { summaries: [] };
  }

  async saveSummaries(settings: SummarySettings): Promise<void> {
    await this.store.putNodeState([{ scope: INSTALL, nodeId: SUMMARY, key: 'settings', value: settings as unknown as Json }]);
  }

  /** The local day (YYYY-MM-DD) a summary was last sent for, or null. */
  async lastSentDay(summaryId: string): Promise<string | null> {
    const v = await this.store.getNodeState(INSTALL, SUMMARY, `sent:${summaryId}`);
    return typeof v === 'string' ? v : null;
  }

  async markSent(summaryId: string, day: string): Promise<void> {
    await this.store.putNodeState([
      { scope: INSTALL, nodeId: SUMMARY, key: `sent:${summaryId}`, value: day },
      { scope: INSTALL, nodeId: SUMMARY, key: `sending:${summaryId}`, value: null },
    ]);
  }

  /** The day a summary's mail was last handed to its server without being marked sent after, or null. */
  async sendingDay(summaryId: string): Promise<string | null> {
    const v = await this.store.getNodeState(INSTALL, SUMMARY, `sending:${summaryId}`);
    return typeof v === 'string' ? v : null;
  }

  /** Written before a summary's mail goes out: a crash before `markSent` leaves it behind. */
  async markSending(summaryId: string, day: string | null): Promise<void> {
    await this.store.putNodeState([{ scope: INSTALL, nodeId: SUMMARY, key: `sending:${summaryId}`, value: day }]);
  }

  /**
   * A random tag made once per installation, for the Message-ID of summaries: two studios sending a
   * summary of the same id and day to one mailbox must not look like the same message.
   */
  async installTag(): Promise<string> {
    const v = await this.store.getNodeState(INSTALL, SUMMARY, 'install-tag');
    if (typeof v === 'string') return v;
    const tag = randomBytes(8).toString('hex');
    await this.store.putNodeState([{ scope: INSTALL, nodeId: SUMMARY, key: 'install-tag', value: tag }]);
    return tag;
  }
}
