import { useCallback, useRef, useState } from 'react';
import { Link } from 'react-router';
import { useLiveRun } from '../stores/live-run-store.ts';
import { IconButton } from '../components/Button.tsx';
import { ChevronDownIcon, ChevronUpIcon, ListIcon, TerminalIcon, XIcon } from '../components/icons.tsx';
import { cn } from '../lib/cn.ts';
import { rejectedSentence, runOutcome } from '../../server/contract/run-outcome.ts';
import { isRunActive } from '../lib/run-status.ts';
import { RunOutcomeBadge } from './RunOutcomeBadge.tsx';
import { RunTimer } from './RunTimer.tsx';
import { RunControls } from './RunControls.tsx';
import { RunCounts, RunProgress } from './RunProgress.tsx';
import { LogView } from './LogView.tsx';
import { RecordsTable } from './RecordsTable.tsx';
import { GroupProgress, RunPosition } from './GroupProgress.tsx';
import { useRunGroups, useRunGroupsFeed } from './use-run-groups.ts';
import { useUiPrefs } from '../stores/ui-prefs-store.ts';

type Tab = 'log' | 'records';

/**
 * Bottom drawer of a run: status, controls, progress and counts in its header; the live log or the
 * records below. Drag its top edge to resize it. A grouped run (groups of search terms) also shows
 * where it is (group › term) in the header and its progress per group beside the log.
 */
export function RunPanel({
  nodeNames,
  onStart,
  onClose,
  defaultTab = 'log',
  linkToRun = true,
}: {
  nodeNames: Record<string, string>;
  onStart?: () => void;
  onClose?: () => void;
  defaultTab?: Tab;
  linkToRun?: boolean;
}) {
  const runId = useLiveRun((s) => s.runId);
  const status = useLiveRun((s) => s.status);
  const reason = useLiveRun((s) => s.reason);
  const startedAt = useLiveRun((s) => s.startedAt);
  const endedAt = useLiveRun((s) => s.endedAt);
  const haltedMs = useLiveRun((s) => s.haltedMs);
  const counts = useLiveRun((s) => s.counts);
  const recordCount = useLiveRun((s) => s.recordCount);
  const [tab, setTab] = useState<Tab>(defaultTab);
  // Folded to its header or not: remembered in this browser (the editor's panel preferences).
  const open = !useUiPrefs((s) => s.runPanelCollapsed);
  const setOpen = (next: boolean) => next === open || useUiPrefs.getState().toggle('runPanel');
  const [height, setHeight] = useState(300);
  const drag = useRef<{ y: number; h: number } | null>(null);
  useRunGroupsFeed(runId);
  const grouped = useRunGroups((s) => s.grouped === true && s.runId === runId);
  const showTermLog = useCallback((index: number) => {
    useRunGroups.getState().setLogFilter(index);
    setTab('log');
  }, []);

  const onResizeStart = useCallback(
    (e: React.PointerEvent) => {
      drag.current = { y: e.clientY, h: height };
      const move = (ev: PointerEvent) => {
        if (!drag.current) return;
        setHeight(Math.max(160, Math.min(window.innerHeight - 200, drag.current.h + drag.current.y - ev.clientY)));
      };
      const up = () => {
        drag.current = null;
        window.removeEventListener('pointermove', move);
        window.removeEventListener('pointerup', up);
      };
      window.addEventListener('pointermove', move);
      window.addEventListener('pointerup', up);
    },
    [height],
  );

  if (!runId || !status) return null;

  return (
    <section className="relative flex shrink-0 flex-col border-t border-slate-200 bg-white shadow-[0_-4px_12px_-6px_rgb(15_23_42/0.12)]" style={{ height: open ? height : undefined }} data-testid="run-panel" data-run-id={runId}>
      {open && <div onPointerDown={onResizeStart} className="absolute -top-1 right-0 left-0 z-10 h-2 cursor-row-resize" aria-hidden="true" />}
      <header className="flex flex-wrap items-center gap-x-4 gap-y-2 border-b border-slate-100 px-4 py-2">
        <div className="flex items-center gap-2">
          <h2 className="text-sm font-semibold text-slate-900">Run</h2>
          {linkToRun ? (
            <Link to={`/runs/${encodeURIComponent(runId)}`} className="font-mono text-xs text-indigo-600 hover:underline" data-testid="run-link">
              {runId}
            </Link>
          ) : (
            <span className="font-mono text-xs text-slate-500">{runId}</span>
          )}
          <RunOutcomeBadge status={status} counts={counts} recordCount={recordCount} data-testid="run-status" />
          <RunTimer status={status} startedAt={startedAt} endedAt={endedAt} haltedMs={haltedMs} />
        </div>
        {grouped && <RunPosition />}
        <RunControls onStart={onStart} />
        <RunProgress />
        <div className="flex items-center gap-0.5">
          <IconButton label={open ? 'Collapse' : 'Expand'} icon={open ? <ChevronDownIcon /> : <ChevronUpIcon />} onClick={() => setOpen(!open)} data-testid="btn-toggle-run-panel" />
          {onClose && <IconButton label="Close" icon={<XIcon />} onClick={onClose} data-testid="btn-close-run-panel" />}
        </div>
      </header>
      {open && (
        <>
          <div className="flex items-center gap-4 border-b border-slate-100 px-4">
            <nav className="flex gap-1" role="tablist">
              <TabButton active={tab === 'log'} onClick={() => setTab('log')} icon={<TerminalIcon size={13} />} testId="tab-log">
                Log
              </TabButton>
              <TabButton active={tab === 'records'} onClick={() => setTab('records')} icon={<ListIcon size={13} />} testId="tab-records">
                Records
              </TabButton>
            </nav>
            <div className="ml-auto py-1.5">
              <RunCounts />
            </div>
          </div>
          {!isRunActive(status) && <RunOutcomeLine />}
          {reason && (
            <div className="border-b border-rose-100 bg-rose-50 px-4 py-1.5 text-xs text-rose-700" data-testid="run-reason">
              <span className="font-medium">{reason.message}</span> {reason.hint}
            </div>
          )}
          <div className="flex min-h-0 flex-1">
            {grouped && (
              <aside className="w-96 shrink-0 border-r border-slate-100 bg-slate-50/60">
                <GroupProgress onShowLog={showTermLog} />
              </aside>
            )}
            <div className="min-h-0 min-w-0 flex-1">{tab === 'log' ? <LogView nodeNames={nodeNames} /> : <RecordsTable runId={runId} nodeNames={nodeNames} />}</div>
          </div>
        </>
      )}
    </section>
  );
}

const OUTCOME_LINE = {
  success: 'border-emerald-100 bg-emerald-50 text-emerald-800',
  warning: 'border-amber-100 bg-amber-50 text-amber-800',
  danger: 'border-rose-100 bg-rose-50 text-rose-700',
  info: 'border-sky-100 bg-sky-50 text-sky-800',
  neutral: 'border-slate-100 bg-slate-50 text-slate-700',
} as const;

/** How the run went, once it no longer moves: "Run completed with 20 failed — 20 records: 0 succeeded, 20 failed." */
function RunOutcomeLine() {
  const status = useLiveRun((s) => s.status);
  const counts = useLiveRun((s) => s.counts);
  const recordCount = useLiveRun((s) => s.recordCount);
  const rejectedRows = useLiveRun((s) => s.rejectedRows);
  if (!status) return null;
  const o = runOutcome(status, counts, recordCount);
  const rejected = rejectedSentence(rejectedRows);
  return (
    <div className={cn('border-b px-4 py-1.5 text-xs', OUTCOME_LINE[o.tone])} data-testid="run-outcome" data-outcome={o.kind} data-tone={o.tone}>
      <span className="font-medium">{o.headline}</span> — {o.detail}
      {rejected && (
        <>
          {' '}
          <span data-testid="run-outcome-rejected">{rejected}</span>
        </>
      )}
    </div>
  );
}

function TabButton({ active, onClick, icon, children, testId }: { active: boolean; onClick(): void; icon: React.ReactNode; children: React.ReactNode; testId: string }) {
  return (
    <button
      type="button"
      role="tab"
      aria-selected={active}
      onClick={onClick}
      data-testid={testId}
      className={cn('-mb-px flex items-center gap-1.5 border-b-2 px-2 py-2 text-xs font-medium', active ? 'border-indigo-500 text-indigo-700' : 'border-transparent text-slate-500 hover:text-slate-800')}
    >
      {icon}
      {children}
    </button>
  );
}
