import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { History } from 'lucide-react';
import { runsApi } from '../api/endpoints.ts';
import { errorMessage } from '../api/http.ts';
import type { RunSummary } from '../api/types.ts';
import { Button } from '../components/Button.tsx';
import { dateTime } from '../lib/format.ts';
import { useFlowStore } from '../stores/flow-store.ts';
import { RunOutcomeBadge } from '../run/RunOutcomeBadge.tsx';
import { useLastRun } from './last-run-store.ts';

const SHOWN = 8;

/** The editor's "Runs" menu: this flow's last runs with their outcome, each linking to its run and report. */
export function RunsMenu() {
  const flowId = useFlowStore((s) => s.meta?.id ?? null);
  const lastVersion = useLastRun((s) => s.version);
  const [open, setOpen] = useState(false);
  const [state, setState] = useState<{ runs: RunSummary[] | null; error: string | null }>({ runs: null, error: null });
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open || !flowId) return;
    let current = true;
    runsApi.list({ flowId, limit: SHOWN }).then(
      (runs) => current && setState({ runs, error: null }),
      (err: unknown) => current && setState({ runs: null, error: errorMessage(err) }),
    );
    return () => {
      current = false;
    };
  }, [open, flowId, lastVersion]);

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [open]);

  return (
    <div className="relative" ref={box}>
      <Button size="sm" icon={<History size={14} />} onClick={() => setOpen(!open)} aria-expanded={open} aria-haspopup="menu" data-testid="btn-runs-menu" title="This flow's last runs">
        Runs
      </Button>
      {open && (
        <div className="absolute right-0 z-50 mt-1 w-96 rounded-lg bg-white p-1 shadow-lg ring-1 ring-slate-200" role="menu" data-testid="runs-menu">
          <p className="px-2 pt-1.5 pb-1 text-[11px] font-semibold tracking-wide text-slate-400 uppercase">Last runs of this flow</p>
          {state.error ? (
            <p className="px-2 py-2 text-sm text-rose-600">Could not list the runs: {state.error}</p>
          ) : !state.runs ? (
            <p className="px-2 py-2 text-sm text-slate-400">Loading…</p>
          ) : state.runs.length === 0 ? (
            <p className="px-2 py-2 text-sm text-slate-500" data-testid="runs-menu-empty">
              No run yet. Press Run to start one.
            </p>
          ) : (
            <ul>
              {state.runs.map((r) => (
                <li key={r.id} className="flex items-center gap-2 rounded-md px-2 py-1.5 hover:bg-slate-50" data-testid="runs-menu-item" data-run-id={r.id}>
                  <RunOutcomeBadge status={r.status} counts={r.counts} recordCount={r.recordCount} />
                  <Link to={`/runs/${encodeURIComponent(r.id)}`} className="min-w-0 flex-1 truncate text-sm text-slate-700 hover:text-indigo-700" role="menuitem" data-testid="runs-menu-open">
                    {dateTime(r.createdAt)} · {r.recordCount} record{r.recordCount === 1 ? '' : 's'}
                  </Link>
                  <Link to={`/runs/${encodeURIComponent(r.id)}/report`} className="shrink-0 text-xs font-medium text-indigo-600 hover:underline" role="menuitem" data-testid="runs-menu-report">
                    Report
                  </Link>
                </li>
              ))}
            </ul>
          )}
          <Link to="/runs" className="mt-1 block border-t border-slate-100 px-2 pt-1.5 pb-1 text-xs text-slate-500 hover:text-indigo-700">
            All runs
          </Link>
        </div>
      )}
    </div>
  );
}
