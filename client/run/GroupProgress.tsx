import { useMemo, useState } from 'react';
import type { OutcomeCounts, RunGroupsInfo, RunStatus } from '../api/types.ts';
import { RecordInRunBadge } from './RecordInRunBadge.tsx';
import { ChevronDownIcon, ChevronRightIcon, TerminalIcon } from '../components/icons.tsx';
import { cn } from '../lib/cn.ts';
import { useLiveRun } from '../stores/live-run-store.ts';
import { useRunGroups } from './use-run-groups.ts';

type Group = RunGroupsInfo['groups'][number];
type Position = NonNullable<RunGroupsInfo['position']>;

const RESULT_ITEMS = [
  { key: 'success', label: 'success', dot: 'bg-emerald-500' },
  { key: 'failed', label: 'failed', dot: 'bg-rose-500' },
  { key: 'needs_review', label: 'review', dot: 'bg-amber-400' },
  { key: 'skipped', label: 'skipped', dot: 'bg-slate-400' },
] as const;

/**
 * Progress of a grouped run (groups of search terms): one collapsible card per group with its
 * progress bar and counters (terms per status, results per status), its terms when expanded. The
 * term under way is highlighted and its group opens by itself, unless the person closed it.
 */
export function GroupProgress({ onShowLog }: { onShowLog?: (index: number) => void }) {
  const info = useRunGroups((s) => s.info);
  const logFilter = useRunGroups((s) => s.logFilter);
  const status = useLiveRun((s) => s.status);
  /** Groups the person opened (true) or closed (false); the others follow the position. */
  const [manual, setManual] = useState<Map<string, boolean>>(() => new Map());
  if (!info) return null;
  const position = info.position;
  const toggle = (name: string, open: boolean) =>
    setManual((prev) => {
      const next = new Map(prev);
      next.set(name, !open);
      return next;
    });
  const terms = info.groups.reduce((n, g) => n + g.total, 0);
  const processed = info.groups.reduce((n, g) => n + g.processed, 0);
  return (
    <div className="flex h-full min-h-0 flex-col" data-testid="group-progress" data-groups={info.groups.length}>
      <div className="flex items-baseline justify-between border-b border-slate-100 px-3 py-1.5 text-xs">
        <span className="font-semibold text-slate-700">Search groups</span>
        <span className="text-slate-500 tabular-nums" data-testid="groups-processed">
          {processed} / {terms} terms
        </span>
      </div>
      <ul className="scrollbar-thin min-h-0 flex-1 space-y-1.5 overflow-auto p-2">
        {info.groups.map((g, gi) => {
          const open = manual.get(g.name) ?? position?.group === g.name;
          return (
            <GroupCard
              key={g.name}
              group={g}
              index={gi}
              open={open}
              onToggle={() => toggle(g.name, open)}
              position={position?.group === g.name ? position : null}
              runStatus={status}
              logFilter={logFilter}
              onShowLog={onShowLog}
            />
          );
        })}
      </ul>
    </div>
  );
}

function GroupCard({
  group: g,
  index,
  open,
  onToggle,
  position,
  runStatus,
  logFilter,
  onShowLog,
}: {
  group: Group;
  index: number;
  open: boolean;
  onToggle(): void;
  position: Position | null;
  runStatus: RunStatus | null;
  logFilter: number | null;
  onShowLog?: (index: number) => void;
}) {
  const pct = g.total ? (g.processed / g.total) * 100 : 0;
  const done = g.total > 0 && g.processed === g.total;
  const listId = `group-${index}-list`;
  return (
    <li
      className={cn('rounded-lg bg-white ring-1', position ? 'ring-indigo-300' : 'ring-slate-200')}
      data-testid={`group-${index}`}
      data-group={g.name}
      data-current={position ? 'true' : 'false'}
      data-done={done ? 'true' : 'false'}
    >
      <button
        type="button"
        onClick={onToggle}
        aria-expanded={open}
        aria-controls={listId}
        className="flex w-full flex-col gap-1 rounded-lg px-2.5 py-2 text-left hover:bg-slate-50"
        data-testid={`group-toggle-${index}`}
      >
        <span className="flex w-full items-center gap-1.5 text-xs">
          {open ? <ChevronDownIcon size={13} className="shrink-0 text-slate-400" /> : <ChevronRightIcon size={13} className="shrink-0 text-slate-400" />}
          <span className="min-w-0 flex-1 truncate font-semibold text-slate-800" data-testid={`group-${index}-name`}>
            {g.name}
          </span>
          <span className="shrink-0 text-slate-500 tabular-nums" data-testid={`group-${index}-processed`}>
            {g.processed} / {g.total}
          </span>
        </span>
        <span
          className="flex h-1.5 w-full overflow-hidden rounded-full bg-slate-200"
          role="progressbar"
          aria-label={`${g.name}: terms processed`}
          aria-valuemin={0}
          aria-valuemax={g.total}
          aria-valuenow={g.processed}
          data-testid={`group-${index}-bar`}
        >
          <span className="h-full bg-emerald-500 transition-[width] duration-300" style={{ width: `${pct}%` }} />
        </span>
        <Counters label="Terms" counts={g.counts} testId={`group-${index}-terms`} />
        <Counters label="Results" counts={g.results} testId={`group-${index}-results`} />
      </button>
      {open && (
        <ol id={listId} className="border-t border-slate-100 py-1" data-testid={listId}>
          {g.items.map((item) => {
            const current = position?.index === item.index;
            const state = current ? positionState(position!, runStatus) : null;
            return (
              <li
                key={item.index}
                className={cn('flex items-center gap-2 px-2.5 py-1 text-xs', current && 'bg-indigo-50', logFilter === item.index && 'ring-1 ring-amber-300 ring-inset')}
                aria-current={current ? 'step' : undefined}
                data-testid={`term-${item.index}`}
                data-status={item.status}
                data-current={current ? 'true' : 'false'}
                data-state={state ?? undefined}
              >
                <span className={cn('min-w-0 flex-1 truncate', current ? 'font-semibold text-indigo-900' : 'text-slate-700')} title={item.name}>
                  {current ? <mark className="term-current rounded bg-indigo-100 px-0.5 text-indigo-900">{item.name}</mark> : item.name}
                </span>
                {current && state && <span className="shrink-0 text-[10.5px] text-indigo-600">{STATE_LABEL[state]}</span>}
                <RecordInRunBadge status={item.status} runStatus={runStatus} className="!py-0 !text-[10.5px]" />
                <ResultDots results={item.results} testId={`term-${item.index}-results`} />
                {onShowLog && (
                  <button
                    type="button"
                    onClick={() => onShowLog(item.index)}
                    className="shrink-0 rounded p-0.5 text-slate-400 hover:bg-slate-100 hover:text-slate-700"
                    aria-label={`Log of "${item.name}"`}
                    title="Show the log lines of this term"
                    data-testid={`term-${item.index}-log`}
                  >
                    <TerminalIcon size={12} />
                  </button>
                )}
              </li>
            );
          })}
        </ol>
      )}
    </li>
  );
}

function Counters({ label, counts, testId }: { label: string; counts: OutcomeCounts; testId: string }) {
  return (
    <span className="flex flex-wrap items-center gap-x-2 text-[11px] text-slate-500" data-testid={testId}>
      <span className="w-12 shrink-0 text-slate-400">{label}</span>
      {RESULT_ITEMS.map((c) => (
        <span key={c.key} className="inline-flex items-center gap-1">
          <span className={cn('size-1.5 rounded-full', c.dot)} />
          <span className="font-semibold text-slate-700 tabular-nums" data-testid={`${testId}-${c.key}`}>
            {counts[c.key]}
          </span>
          {c.label}
        </span>
      ))}
    </span>
  );
}

function ResultDots({ results, testId }: { results: OutcomeCounts; testId: string }) {
  const shown = RESULT_ITEMS.filter((c) => results[c.key] > 0);
  return (
    <span className="flex shrink-0 items-center gap-1.5 text-[11px] tabular-nums" data-testid={testId}>
      {shown.map((c) => (
        <span key={c.key} className="inline-flex items-center gap-0.5 text-slate-600" title={`${results[c.key]} ${c.label}`}>
          <span className={cn('size-1.5 rounded-full', c.dot)} />
          <span data-testid={`${testId}-${c.key}`}>{results[c.key]}</span>
        </span>
      ))}
    </span>
  );
}

export type PositionState = 'running' | 'waiting' | 'paused' | 'stopped' | 'next';

const STATE_LABEL: Record<PositionState, string> = {
  running: 'in progress',
  waiting: 'waiting',
  paused: 'paused here',
  stopped: 'stopped here',
  next: 'next',
};

export function positionState(position: Position, runStatus: RunStatus | null): PositionState {
  // A run at rest does nothing at its position, whatever the record's last committed status.
  if (runStatus === 'paused') return 'paused';
  if (runStatus === 'stopped' || runStatus === 'safe_stopped' || runStatus === 'interrupted') return 'stopped';
  if (position.status === 'running') return 'running';
  if (runStatus === 'pausing') return 'paused';
  if (runStatus === 'stopping') return 'stopped';
  if (runStatus === 'running') return 'waiting';
  return 'next';
}

/** The engine's run-level line while it waits for the loop interval carries the wait as data. */
interface PacingData {
  pacing: { index: number; waitMs: number; startsAt: string };
}
function pacingOf(data: unknown): PacingData['pacing'] | null {
  const p = (data as Partial<PacingData> | null)?.pacing;
  return p && typeof p.index === 'number' && typeof p.waitMs === 'number' ? p : null;
}
/** A wait in words: "30 s", "2 min 5 s". */
function waitWords(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
}

/**
 * Where a grouped run is, for the run panel's header: "Group › term" and what happens there
 * (in progress, waiting for the loop interval, paused, stopped). Nothing for runs that do not group.
 */
export function RunPosition() {
  const info = useRunGroups((s) => s.info);
  const status = useLiveRun((s) => s.status);
  const logs = useLiveRun((s) => s.logs);
  const logVersion = useLiveRun((s) => s.logVersion);
  const position = info?.position ?? null;
  const wait = useMemo(() => {
    if (!position || position.status !== 'pending') return null;
    for (let i = logs.length - 1, seen = 0; i >= 0 && seen < 200; i--, seen++) {
      const l = logs[i];
      if (l.recordIndex != null) continue;
      const p = pacingOf(l.data);
      if (p) return p.index === position.index ? waitWords(p.waitMs) : null;
    }
    return null;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [position, logs, logVersion]);
  if (!info) return null;
  if (!position) {
    return (
      <span className="text-xs text-slate-500" data-testid="run-position" data-state="done">
        Every term processed
      </span>
    );
  }
  const state = positionState(position, status);
  const note = state === 'waiting' ? (wait ? `waiting: next term starts in ${wait}` : 'waiting for the next term') : STATE_LABEL[state];
  return (
    <span className="inline-flex min-w-0 items-center gap-1.5 text-xs" data-testid="run-position" data-state={state} data-index={position.index}>
      <span className="max-w-72 truncate font-medium text-slate-800" data-testid="run-position-text" title={`${position.group} › ${position.item}`}>
        {position.group} › {position.item}
      </span>
      <span className={cn('rounded-full px-1.5 py-px text-[10.5px] font-medium ring-1 ring-inset', state === 'running' ? 'bg-sky-50 text-sky-700 ring-sky-600/20' : state === 'waiting' ? 'bg-indigo-50 text-indigo-700 ring-indigo-600/20' : 'bg-slate-100 text-slate-600 ring-slate-500/20')} data-testid="run-position-state">
        {note}
      </span>
    </span>
  );
}
