import { doneCount, useLiveRun } from '../stores/live-run-store.ts';
import { etaText } from './progress-eta.ts';
import { cn } from '../lib/cn.ts';
import { useTick } from '../lib/use-tick.ts';
import { unfinishedRecordWord } from '../../server/contract/run-outcome.ts';

/** Done / total with a segmented bar (success, review, failed, skipped) and an ETA. */
export function RunProgress() {
  const counts = useLiveRun((s) => s.counts);
  const total = useLiveRun((s) => s.recordCount);
  const status = useLiveRun((s) => s.status);
  const progressStart = useLiveRun((s) => s.progressStart);
  const running = status === 'running';
  useTick(running);
  const done = doneCount(counts);
  const pct = total ? Math.min(100, (done / total) * 100) : 0;
  const eta = etaText(progressStart, status, done, total, Date.now());
  const seg = (n: number) => `${total ? (n / total) * 100 : 0}%`;
  return (
    <div className="min-w-56 flex-1" data-testid="run-progress">
      <div className="mb-1 flex items-baseline justify-between gap-3 text-xs">
        <span className="font-medium text-slate-700 tabular-nums">
          <span data-testid="progress-done">{done.toLocaleString()}</span> / <span data-testid="progress-total">{total.toLocaleString()}</span> records
          <span className="ml-1.5 text-slate-400">{Math.floor(pct)}%</span>
        </span>
        <span className="text-slate-500" data-testid="progress-eta">
          {eta ?? ''}
        </span>
      </div>
      <div className="flex h-2 w-full overflow-hidden rounded-full bg-slate-200" role="progressbar" aria-valuemin={0} aria-valuemax={total} aria-valuenow={done}>
        <div className={cn('h-full bg-emerald-500 transition-[width] duration-300', running && 'progress-live')} style={{ width: seg(counts.success) }} />
        <div className="h-full bg-amber-400 transition-[width] duration-300" style={{ width: seg(counts.needs_review) }} />
        <div className="h-full bg-rose-500 transition-[width] duration-300" style={{ width: seg(counts.failed) }} />
        <div className="h-full bg-slate-400 transition-[width] duration-300" style={{ width: seg(counts.skipped) }} />
      </div>
    </div>
  );
}

const COUNT_ITEMS = [
  { key: 'success', label: 'Success', dot: 'bg-emerald-500' },
  { key: 'needs_review', label: 'Review', dot: 'bg-amber-400' },
  { key: 'failed', label: 'Failed', dot: 'bg-rose-500' },
  { key: 'skipped', label: 'Skipped', dot: 'bg-slate-400' },
  { key: 'running', label: 'Running', dot: 'bg-indigo-500' },
  { key: 'pending', label: 'Pending', dot: 'bg-slate-300' },
] as const;

/**
 * Records per status. Records under way are "Running" only while the run moves: in a paused run
 * they wait at their last step ("Paused"), in one that ended they are unfinished.
 */
export function RunCounts() {
  const counts = useLiveRun((s) => s.counts);
  const status = useLiveRun((s) => s.status);
  const moving = unfinishedRecordWord(status, 'running')!.word === 'Running';
  return (
    <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs" data-testid="run-counts">
      {COUNT_ITEMS.map((c) => (
        <span key={c.key} className="inline-flex items-center gap-1.5 text-slate-500" data-testid={`count-label-${c.key}`}>
          <span className={cn('size-2 rounded-full', c.key === 'running' && !moving ? 'bg-amber-400' : c.dot)} />
          {c.key === 'running' || c.key === 'pending' ? unfinishedRecordWord(status, c.key)!.word : c.label}
          <span className="font-semibold text-slate-800 tabular-nums" data-testid={`count-${c.key}`}>
            {counts[c.key].toLocaleString()}
          </span>
        </span>
      ))}
    </div>
  );
}
