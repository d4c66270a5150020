/**
 * The run report (docs/api.md, "Report"): counts, time per record and per step, error categories and
 * rejected rows. Built from the store's light reads (`recordTimings`, `stepTimings`): no record or
 * step JSON is loaded, so a run of 100,000 records × 10 steps is reported in well under a few seconds.
 */
import type { Json } from '../../nodes/sdk/types.ts';
import { ConveyorError } from '../errors.ts';
import type { RecordStatus, RunStatus, StatusCounts, Store } from '../store/types.ts';
import { isAiStep, tokenTotals, type TokenTotals } from './token-usage.ts';
import { runTrackingCounts } from '../tracking/events.ts';
import { reviewWaits } from './review-wait.ts';
import { haltedWithin, recordWorkingMs, runWorkingMs } from './run-working-time.ts';
import { endedAs, type EndedAs } from '../contract/end-step.ts';
import type { ReportStep, ReportError, ReportReject, Report } from '../contract/wire/report.ts';
export type { ReportStep, ReportError, ReportReject, Report };

const TERMINAL: ReadonlySet<RecordStatus> = new Set<RecordStatus>(['success', 'failed', 'needs_review', 'skipped']);

/** Nearest-rank percentile of ascending `sorted` values (null when there are none). */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Mean rounded to the microsecond (sums of floats otherwise show noise such as 12.350000000000001). */
function mean(values: ArrayLike<number>): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return Math.round((sum / values.length) * 1000) / 1000;
}

function stats(values: Float64Array): { avgMs: number | null; p95Ms: number | null } {
  values.sort();
  return { avgMs: mean(values), p95Ms: percentile(values, 95) };
}

export function runNotFound(runId: string): ConveyorError {
  return new ConveyorError('E_RUN_NOT_FOUND', `There is no run ${runId}.`, 'Check the run id, or open the runs list to find it.', 404);
}

export async function buildReport(store: Store, runId: string): Promise<Report> {
  const run = await store.getRun(runId);
  if (!run) throw runNotFound(runId);
  const [counts, records, steps, rejects, stepCounts, waits] = await Promise.all([
    store.countRecords(runId),
    store.recordTimings(runId),
    store.stepTimings(runId),
    store.listRejects(runId),
    store.stepCounts(runId),
    reviewWaits(store, runId),
  ]);

  // Per record: durations of finished records, and error codes (first record of each code kept).
  const durations = new Float64Array(records.length);
  let n = 0;
  const errors = new Map<string, { count: number; first: number }>();
  for (const r of records) {
    if (!TERMINAL.has(r.status)) continue;
    // Error categories count the records that ended with their error — failed, or waiting for a
    // person —, as the review queue a category opens lists them: one a person resolved or skipped
    // keeps its error in its trail, but did not end with it.
    if (r.errorCode !== null && (r.status === 'failed' || r.status === 'needs_review')) {
      const e = errors.get(r.errorCode);
      if (e) e.count++;
      else errors.set(r.errorCode, { count: 1, first: r.index });
    }
    if (r.settled || r.startedAt === null || r.endedAt === null) continue;
    // The time it waited in the review queue for a person is not the flow's time (review-wait.ts),
    // nor the time the run stood still (paused, interrupted) while the record was under way.
    const ms = recordWorkingMs(r.startedAt, r.endedAt, waits.byRecord.get(r.index) ?? 0, run.halts);
    if (ms !== null) durations[n++] = ms;
  }

  // Per node, in the flow's order (nodes the flow no longer names come last, by id).
  const nodes = new Map<string, { name: string; type: string; order: number; endsAs: EndedAs | null }>();
  run.flow.nodes.forEach((node, order) => {
    nodes.set(node.id, { name: nodeName(node) ?? node.type, type: node.type, order, endsAs: endedAs(node) });
  });
  const perNode = new Map<string, { success: number; failed: number; parts: number[][] }>();
  for (const t of steps) {
    let entry = perNode.get(t.nodeId);
    if (!entry) perNode.set(t.nodeId, (entry = { success: 0, failed: 0, parts: [] }));
    entry[t.status === 'success' ? 'success' : 'failed'] += t.durations.length;
    entry.parts.push(t.durations);
  }
  // Steps counted but not stored: the trigger's of records that entered past it (engine/entry-step.ts), in no time.
  for (const [nodeId, c] of Object.entries(stepCounts)) {
    const entry = perNode.get(nodeId) ?? { success: 0, failed: 0, parts: [] };
    const untimed = c.success - entry.success;
    if (untimed <= 0) continue;
    entry.success += untimed;
    entry.parts.push(new Array<number>(untimed).fill(0));
    perNode.set(nodeId, entry);
  }
  const perStep: ReportStep[] = [...perNode.entries()]
    .map(([nodeId, e]) => {
      const all = new Float64Array(e.success + e.failed);
      let at = 0;
      for (const part of e.parts) {
        all.set(part, at);
        at += part.length;
      }
      const node = nodes.get(nodeId);
      // Stored steps say failed; the node's counters say which of them sent their record to review.
      const review = Math.min(e.failed, stepCounts[nodeId]?.review ?? 0);
      return { nodeId, name: node?.name ?? nodeId, type: node?.type ?? '', count: all.length, success: e.success, failed: e.failed - review, review, ...stats(all), ...(node?.endsAs ? { endsAs: node.endsAs } : {}) };
    })
    .sort((a, b) => order(nodes, a.nodeId) - order(nodes, b.nodeId) || (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0));

  const categories = [...errors.entries()].sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const examples = await Promise.all(categories.map(([, e]) => store.getRecord(runId, e.first)));

  const aiNodes = new Set(run.flow.nodes.filter((node) => isAiStep(node.type)).map((node) => node.id));
  const tokens = aiNodes.size > 0 ? await tokenTotals(store, runId, aiNodes) : null;
  if (tokens) for (const step of perStep) if (aiNodes.has(step.nodeId)) step.tokens = tokens.perNode.get(step.nodeId) ?? { prompt: 0, completion: 0, total: 0, answers: 0 };

  const tracking = run.flow.nodes.some((node) => node.type === 'mail.send') ? await runTrackingCounts(store, runId) : null;

  const span = run.startedAt && run.endedAt ? Date.parse(run.endedAt) - Date.parse(run.startedAt) : NaN;
  // The time it sat finished waiting for a person to retry a record, and the time it stood still
  // (paused, interrupted), are not the run's (run-working-time.ts).
  const worked = run.startedAt && run.endedAt && Number.isFinite(span) ? runWorkingMs(run.startedAt, run.endedAt, records, waits.trails, run.halts) : NaN;
  const halted = run.startedAt && run.endedAt ? haltedWithin(run.halts, run.startedAt, run.endedAt) : 0;
  const peopleWait = Number.isFinite(worked) ? Math.max(0, span - worked - halted) : 0;
  return {
    runId: run.id,
    flowId: run.flowId,
    flowName: run.flowName,
    status: run.status,
    recordCount: run.recordCount,
    counts,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    durationMs: Number.isFinite(worked) ? Math.max(0, worked) : null,
    ...(peopleWait > 0 ? { reviewWaitMs: peopleWait } : {}),
    ...(halted > 0 ? { haltedMs: halted } : {}),
    perRecord: stats(durations.subarray(0, n)),
    perStep,
    errors: categories.map(([code, e], i) => ({ code, count: e.count, example: examples[i]?.error?.message ?? '' })),
    rejects: rejects.map(({ row, field, rule, value, message }) => ({ row, field, rule, value, message })),
    ...(tokens ? { tokens: tokens.run } : {}),
    ...(waits.unreadable ? { timesUnsure: waits.unreadable } : {}),
    ...(tracking ? { tracking } : {}),
  };
}

function nodeName(node: { name?: unknown }): string | null {
  return typeof node.name === 'string' && node.name.trim() !== '' ? node.name : null;
}

function order(nodes: Map<string, { order: number }>, id: string): number {
  return nodes.get(id)?.order ?? Number.MAX_SAFE_INTEGER;
}
