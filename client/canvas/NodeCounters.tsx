import { useLiveRun, useNodeCounters, ZERO_COUNTERS } from '../stores/live-run-store.ts';
import { useLastRun } from '../data/last-run-store.ts';
import { Link } from 'react-router';
import { cn } from '../lib/cn.ts';
import type { EndedAs } from '../../server/contract/end-step.ts';

/**
 * An End step succeeds for every record it ends, whatever status it gives them: its "succeeded"
 * count under a green ✓ read as records done on an End that marks them failed or for review. Such a
 * step's count is shown in the tone of the status its records ended with, and said so.
 */
const ENDED_AS: Record<EndedAs, { tone: keyof typeof TONES; title: string }> = {
  failed: { tone: 'red', title: 'Records that ended here as failed' },
  needs_review: { tone: 'amber', title: 'Records that ended here waiting for review' },
  skipped: { tone: 'slate', title: 'Records that ended here as skipped' },
};

/**
 * Live counters of one node: subscribes to this node's entry of the live-run store only. `endsAs`:
 * for an End step, the status its records end with.
 */
export function NodeCounters({ nodeId, endsAs }: { nodeId: string; endsAs?: EndedAs | null }) {
  const liveRunId = useLiveRun((s) => s.runId);
  const attached = liveRunId !== null;
  const live = useNodeCounters(nodeId);
  // No run attached: the flow's last run's counters, marked as such (kept when the flow is reopened).
  const last = useLastRun((s) => (attached || !s.run ? null : s.run.nodes[nodeId] ?? ZERO_COUNTERS));
  const lastRunId = useLastRun((s) => s.run?.id ?? null);
  const runId = attached ? liveRunId : lastRunId;
  const c = attached ? live : last;
  if (!c) return null;
  const idle = c.inProgress === 0 && c.success === 0 && c.failed === 0 && c.review === 0;
  return (
    <div
      className={cn('flex items-center gap-1 border-t border-slate-100 px-2.5 py-1.5', idle && 'opacity-60')}
      data-testid={`counters-${nodeId}`}
      data-source={attached ? 'live' : 'last-run'}
    >
      <Pill tone="blue" title="In progress" testId={`counter-${nodeId}-inProgress`} value={c.inProgress} active={c.inProgress > 0} />
      {endsAs ? (
        <Pill tone={ENDED_AS[endsAs].tone} title={ENDED_AS[endsAs].title} testId={`counter-${nodeId}-success`} value={c.success} endedAs={endsAs} />
      ) : (
        <Pill tone="green" title="Succeeded" testId={`counter-${nodeId}-success`} value={c.success} />
      )}
      <Pill tone="red" title="Failed" testId={`counter-${nodeId}-failed`} value={c.failed} />
      {/* Steps that failed and sent their record to a person: not failed records (a pill only once there are some). */}
      {c.review > 0 && runId && (
        // Opens the review queue on this run's records this step sent there (those still waiting). Clickable on
        // the read-only canvas too, whose cards take no pointer events.
        <Link
          to={`/review?runId=${encodeURIComponent(runId)}&nodeId=${encodeURIComponent(nodeId)}`}
          className="nodrag nopan pointer-events-auto inline-flex rounded-full focus-visible:outline-2 focus-visible:outline-amber-500"
          onClick={(e) => e.stopPropagation()}
          onMouseDown={(e) => e.stopPropagation()}
          data-testid={`counter-${nodeId}-review-link`}
        >
          <Pill tone="amber" title="Sent to review — open them in the review queue" testId={`counter-${nodeId}-review`} value={c.review} />
        </Link>
      )}
      {!attached && (
        <span className="ml-auto text-[10px] text-slate-400" title="Counters of this flow's last run" data-testid={`counters-${nodeId}-last-run`}>
          last run
        </span>
      )}
    </div>
  );
}

const TONES = {
  blue: { on: 'bg-indigo-50 text-indigo-700 ring-indigo-200', sym: '◷' },
  green: { on: 'bg-emerald-50 text-emerald-700 ring-emerald-200', sym: '✓' },
  red: { on: 'bg-rose-50 text-rose-700 ring-rose-200', sym: '✕' },
  amber: { on: 'bg-amber-50 text-amber-700 ring-amber-200', sym: '⚑' },
  slate: { on: 'bg-slate-100 text-slate-600 ring-slate-300', sym: '↷' },
};

function Pill({ tone, value, title, testId, active, endedAs }: { tone: keyof typeof TONES; value: number; title: string; testId: string; active?: boolean; endedAs?: EndedAs }) {
  const t = TONES[tone];
  return (
    <span
      title={title}
      data-ended-as={endedAs}
      className={cn(
        'inline-flex h-5 min-w-9 items-center justify-center gap-1 rounded-full px-1.5 text-[11px] font-semibold tabular-nums ring-1 ring-inset',
        value > 0 ? t.on : 'bg-slate-50 text-slate-400 ring-slate-200',
        active && 'animate-pulse',
      )}
    >
      <span aria-hidden="true" className="text-[10px]">
        {t.sym}
      </span>
      <span data-testid={testId}>{value}</span>
    </span>
  );
}
