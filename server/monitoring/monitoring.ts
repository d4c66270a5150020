import type { Engine } from '../engine/engine.ts';
import type { CredentialSource } from '../engine/credentials.ts';
import type { Scheduler } from '../scheduler/scheduler.ts';
import type { Store } from '../store/types.ts';
import { AlertMonitor } from './alert-monitor.ts';
import { Metrics } from './metrics.ts';
import type { MonitorLog } from './monitor-log.ts';
import { MonitorState } from './monitor-state.ts';
import { SummaryMailer } from './summary-mailer.ts';

export interface MonitoringOptions {
  store: Store;
  engine: Engine;
  scheduler: Scheduler;
  vault: CredentialSource;
  log?: MonitorLog;
  now?: () => number;
  env?: NodeJS.ProcessEnv;
}

const CONSOLE_LOG: MonitorLog = {
  info: (m) => console.log(m),
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
};

/** How often alert rules and summaries are looked at while the studio serves (CONVEYOR_MONITOR_INTERVAL_MS). */
export const DEFAULT_CHECK_MS = 30_000;

/** Alerts, daily summaries and metrics: one object the server starts and the routes use. */
export class Monitoring {
  readonly state: MonitorState;
  readonly alerts: AlertMonitor;
  readonly summaries: SummaryMailer;
  readonly metrics: Metrics;
  private timer: NodeJS.Timeout | null = null;
  private log: MonitorLog;

  constructor(opts: MonitoringOptions) {
    const now = opts.now ?? Date.now;
    this.log = opts.log ?? CONSOLE_LOG;
    // Lines go through `this.log`, which the server may swap for its structured logger later.
    const log: MonitorLog = { info: (m, c) => this.log.info(m, c), warn: (m, c) => this.log.warn(m, c), error: (m, c) => this.log.error(m, c) };
    this.state = new MonitorState(opts.store);
    this.alerts = new AlertMonitor({ store: opts.store, engine: opts.engine, scheduler: opts.scheduler, vault: opts.vault, state: this.state, log, now, env: opts.env });
    this.summaries = new SummaryMailer({ store: opts.store, vault: opts.vault, state: this.state, log, now, env: opts.env });
    this.metrics = new Metrics(opts.engine, opts.store);
    opts.scheduler.on((e) => this.alerts.schedules.onEvent(e));
  }

  useLog(log: MonitorLog): void {
    this.log = log;
  }

  /** One look at alerts and summaries; failures are logged, never thrown. */
  async check(): Promise<void> {
    await this.alerts.check().catch((err) => this.log.error(`Alert check failed: ${(err as Error).message}`, { code: 'E_ALERT_CHECK' }));
    await this.summaries.check().catch((err) => this.log.error(`Daily summary check failed: ${(err as Error).message}`, { code: 'E_ALERT_CHECK' }));
  }

  start(intervalMs = Number(process.env.CONVEYOR_MONITOR_INTERVAL_MS) || DEFAULT_CHECK_MS): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.check(), intervalMs);
    this.timer.unref();
  }

  /** Stops the timer only (another studio leads now and sends alerts and summaries: server/scheduler/studios.ts). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  close(): void {
    this.stop();
    this.metrics.close();
  }
}
