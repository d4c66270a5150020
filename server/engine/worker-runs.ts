/**
 * The runs that workers execute, as a studio that does not execute runs itself (`--no-execute`,
 * server/worker) sees them: for the monitor's "run stuck" rule and GET /api/monitoring/active.
 * Such a studio's engine has no active runs of its own; what workers do reaches it as relayed
 * events (server/worker/event-relay.ts). A relayed step or record event is progress; a run with
 * none since this studio started counts from the later of its start and the studio's, so a
 * restarted studio gives every run the rule's whole time before calling it stuck.
 */
import type { ActiveRunInfo } from '../contract/wire/monitoring.ts';
import type { EngineEvent } from './events.ts';
import type { RunRow, Store } from '../store/types.ts';
import type { StatusCounts } from '../contract/status.ts';

export class WorkerRuns {
  private readonly progressAt = new Map<string, number>();
  private readonly since: number;

  constructor(
    private readonly store: Pick<Store, 'listRunsWithStatus' | 'countRecords'>,
    private readonly now: () => number = Date.now,
  ) {
    this.since = now();
  }

  /** A relayed event: steps and records moving are progress; a run's end forgets it. */
  note(event: EngineEvent): void {
    if (event.type === 'step' || event.type === 'record') this.progressAt.set(event.runId, this.now());
    else if (event.type === 'run' && event.status !== 'running') this.progressAt.delete(event.runId);
  }

  /** The runs executing in workers now, with their counters and when each last moved. */
  async list(): Promise<ActiveRunInfo[]> {
    const runs = (await this.store.listRunsWithStatus(['running'])).filter((r: RunRow) => r.settings.executor === 'workers');
    const out: ActiveRunInfo[] = [];
    for (const r of runs) {
      const started = Math.max(Date.parse(r.startedAt ?? r.createdAt), this.since);
      const counts: StatusCounts = await this.store.countRecords(r.id);
      out.push({ runId: r.id, flowId: r.flowId, lastProgressAt: new Date(Math.max(started, this.progressAt.get(r.id) ?? 0)).toISOString(), stalledSince: null, status: r.status, counts });
    }
    return out;
  }
}
