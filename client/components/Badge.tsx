import type { ReactNode } from 'react';
import { cn } from '../lib/cn.ts';
import { RECORD_STATUS_TONE, RUN_STATUS_TONE, statusLabel, type Tone } from '../lib/run-status.ts';
import type { RecordStatus, RunStatus } from '../api/types.ts';

const TONES: Record<Tone, string> = {
  neutral: 'bg-slate-100 text-slate-600 ring-slate-500/15',
  slate: 'bg-slate-100 text-slate-700 ring-slate-500/20',
  blue: 'bg-sky-50 text-sky-700 ring-sky-600/20',
  green: 'bg-emerald-50 text-emerald-700 ring-emerald-600/20',
  red: 'bg-rose-50 text-rose-700 ring-rose-600/20',
  amber: 'bg-amber-50 text-amber-800 ring-amber-600/25',
  violet: 'bg-violet-50 text-violet-700 ring-violet-600/20',
};

const DOTS: Record<Tone, string> = {
  neutral: 'bg-slate-400',
  slate: 'bg-slate-500',
  blue: 'bg-sky-500',
  green: 'bg-emerald-500',
  red: 'bg-rose-500',
  amber: 'bg-amber-500',
  violet: 'bg-violet-500',
};

export function Badge({ tone = 'neutral', dot, pulse, children, className, ...rest }: { tone?: Tone; dot?: boolean; pulse?: boolean; children: ReactNode; className?: string } & React.HTMLAttributes<HTMLSpanElement>) {
  return (
    <span className={cn('inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset', TONES[tone], className)} {...rest}>
      {dot && (
        <span className="relative flex size-1.5">
          {pulse && <span className={cn('absolute inline-flex size-full animate-ping rounded-full opacity-75', DOTS[tone])} />}
          <span className={cn('relative inline-flex size-1.5 rounded-full', DOTS[tone])} />
        </span>
      )}
      {children}
    </span>
  );
}

export function RunStatusBadge({ status, ...rest }: { status: RunStatus } & React.HTMLAttributes<HTMLSpanElement>) {
  const tone = RUN_STATUS_TONE[status] ?? 'neutral';
  const live = status === 'running' || status === 'pausing' || status === 'stopping';
  return (
    <Badge tone={tone} dot pulse={live} data-status={status} {...rest}>
      {statusLabel(status)}
    </Badge>
  );
}

export function RecordStatusBadge({ status, ...rest }: { status: RecordStatus } & React.HTMLAttributes<HTMLSpanElement>) {
  return (
    <Badge tone={RECORD_STATUS_TONE[status] ?? 'neutral'} dot data-status={status} {...rest}>
      {statusLabel(status)}
    </Badge>
  );
}
