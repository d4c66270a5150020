/** Monitoring as the studio reads it (/api/monitoring…): fired alerts, deliveries, the runs executing now. */
import type { RunStatus, StatusCounts } from '../status.ts';

/** A condition that fired and has not cleared yet. */
export interface Firing {
  since: string;
  title: string;
  detail: string;
  /** False while the alert could not be delivered; `retryAt` says when it is tried again. */
  delivered: boolean;
  retryAt?: string;
}

/** One delivery attempt, as the delivery log shows it. */
export interface Delivery {
  at: string;
  ruleId: string;
  /** `alert` when a condition fired, `resolved` when it cleared, `summary` for the daily summary, `test` for a test message. */
  kind: 'alert' | 'resolved' | 'summary' | 'test';
  channel: 'mail' | 'webhook';
  ok: boolean;
  /** Where it went: addresses, or the webhook's address without its query. */
  target: string;
  title: string;
  error?: { code: string; message: string };
}

/** A run's last progress, as the watchdog keeps it. */
export interface RunProgress {
  runId: string;
  flowId: string;
  /** When the run last made progress (ISO). */
  lastProgressAt: string;
  /** When it was flagged as stalled (ISO), or null. */
  stalledSince: string | null;
}

/** A run executing now, with its live counters (GET /api/monitoring/active). */
export interface ActiveRunInfo extends RunProgress {
  status: RunStatus;
  counts: StatusCounts;
}
