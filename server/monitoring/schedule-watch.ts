import type { ScheduleEvent, ScheduleInfo } from '../scheduler/scheduler.ts';

/**
 * Whether a flow's schedule missed its tick. Two ways to know: the scheduler says so (ticks missed
 * while the studio was down, or a tick that could not start its run), until its next tick fires;
 * or the tick this watch expected (the schedule's next time, noted at each look) is overdue by more
 * than the grace with no tick since — the timer never fired (a stalled process, a lost timer).
 */
export class ScheduleWatch {
  /** Per flow: the tick expected next (ms), noted when the schedule was last looked at. */
  private readonly expected = new Map<string, number>();
  /** Per flow: what the scheduler reported, until a tick fires. */
  private readonly reported = new Map<string, string>();

  /** Feed of the scheduler's events. */
  onEvent(e: ScheduleEvent): void {
    if (e.type === 'tick') {
      this.reported.delete(e.flowId);
    } else if (e.type === 'skipped' && e.reason === 'missed') {
      this.reported.set(e.flowId, `${e.count} tick${e.count === 1 ? ' was' : 's were'} missed (the last due ${e.scheduledFor}) while the studio was not running, and skipped as the flow asks.`);
    } else if (e.type === 'error') {
      this.reported.set(e.flowId, `The tick of ${e.scheduledFor} could not start a run (${e.error.code}): ${e.error.message}`);
    }
  }

  /** Why the schedule is missing its tick, or null when it is on time (or switched off). */
  missing(flowId: string, info: ScheduleInfo | null, graceMs: number, now: number): string | null {
    if (!info || !info.enabled) {
      this.expected.delete(flowId);
      this.reported.delete(flowId);
      return null;
    }
    const reported = this.reported.get(flowId);
    if (reported) return reported;
    const lastTick = info.lastTick ? Date.parse(info.lastTick) : -Infinity;
    const due = this.expected.get(flowId);
    if (due !== undefined && lastTick < due) {
      if (now > due + graceMs) return `The tick due at ${new Date(due).toISOString()} has not fired ${Math.round((now - due) / 60_000)} min later (last tick: ${info.lastTick ?? 'never'}).`;
      return null;
    }
    // On time (or first look): expect the schedule's next time.
    const next = info.next[0] ? Date.parse(info.next[0]) : undefined;
    if (next !== undefined) this.expected.set(flowId, next);
    else this.expected.delete(flowId);
    return null;
  }
}
