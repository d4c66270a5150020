import { useEffect, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { runsApi } from '../api/endpoints.ts';
import { errorMessage } from '../api/http.ts';
import type { RunSummary } from '../api/types.ts';
import { RunOutcomeBadge } from '../run/RunOutcomeBadge.tsx';
import { Button } from '../components/Button.tsx';
import { EmptyState, ErrorState } from '../components/EmptyState.tsx';
import { HistoryIcon } from '../components/icons.tsx';
import { LoadingState } from '../components/Spinner.tsx';
import { dateTime, runDuration, timeAgo } from '../lib/format.ts';
import { isRunActive } from '../lib/run-status.ts';
import { useAsync } from '../lib/use-async.ts';
import { Card, PageBody, PageHeader } from './PageHeader.tsx';
import { DataTable, type Column } from '../components/DataTable.tsx';

export function RunsPage() {
  const [params, setParams] = useSearchParams();
  const flowId = params.get('flowId') ?? undefined;
  const navigate = useNavigate();
  // The newest runs, RUNS_PAGE more at each "Show older runs" (the API answers at most MAX_RUNS_SHOWN).
  const [shown, setShown] = useState(RUNS_PAGE);
  useEffect(() => setShown(RUNS_PAGE), [flowId]);
  const runs = useAsync(() => runsApi.list({ flowId, limit: shown }), [flowId, shown]);
  const anyActive = (runs.data ?? []).some((r) => isRunActive(r.status));

  useEffect(() => {
    const t = setInterval(runs.reload, anyActive ? 2000 : 10000);
    return () => clearInterval(t);
  }, [anyActive, runs.reload]);

  const list = runs.data ?? [];
  return (
    <PageBody>
      <PageHeader
        title="Runs"
        subtitle={flowId ? `Runs of one flow (${list[0]?.flowName ?? flowId}), newest first.` : 'Every run, newest first. Open one to see its records, steps and log.'}
        actions={
          flowId ? (
            <Button size="sm" onClick={() => setParams({})}>
              Show all runs
            </Button>
          ) : undefined
        }
      />
      {runs.loading && !runs.data ? (
        <Card>
          <LoadingState label="Loading runs…" />
        </Card>
      ) : runs.error && !runs.data ? (
        <Card>
          <ErrorState title="Could not load the runs" message={errorMessage(runs.error)} onRetry={runs.reload} />
        </Card>
      ) : list.length === 0 ? (
        <Card>
          <EmptyState
            icon={<HistoryIcon size={22} />}
            title="No runs yet"
            data-testid="runs-empty"
            action={
              <Link to="/">
                <Button variant="primary">Go to flows</Button>
              </Link>
            }
          >
            Open a flow and press Run: every run is kept here with its records, their steps and the log.
          </EmptyState>
        </Card>
      ) : (
        <Card>
          <DataTable
            testId="runs-table"
            columns={RUN_COLUMNS}
            rows={list}
            row={(r) => <RunRow key={r.id} run={r} onOpen={() => navigate(`/runs/${encodeURIComponent(r.id)}`)} />}
          />
          {list.length >= shown && <OlderRuns shown={list.length} onMore={shown < MAX_RUNS_SHOWN ? () => setShown((n) => Math.min(MAX_RUNS_SHOWN, n + RUNS_PAGE)) : undefined} />}
        </Card>
      )}
    </PageBody>
  );
}

const RUNS_PAGE = 200;
const MAX_RUNS_SHOWN = 1000;

/**
 * Said below a full list: older runs exist. The list showed the newest 200 as "every run", and a
 * scheduled flow's older runs were out of reach without a word.
 */
function OlderRuns({ shown, onMore }: { shown: number; onMore?: () => void }) {
  return (
    <div className="flex items-center justify-end gap-3 border-t border-slate-200 px-5 py-2.5 text-xs text-slate-500" data-testid="runs-older">
      <span>
        The newest {shown.toLocaleString()} runs are shown
        {onMore ? (
          '; older runs exist.'
        ) : (
          <>
            . Older runs are on the{' '}
            <Link to="/storage" className="text-indigo-600 hover:underline">
              Storage page
            </Link>{' '}
            (sorted by age).
          </>
        )}
      </span>
      {onMore && (
        <Button size="sm" variant="secondary" onClick={onMore} data-testid="btn-runs-older">
          Show older runs
        </Button>
      )}
    </div>
  );
}

const RUN_COLUMNS: Column[] = [
  { label: 'Flow', className: 'px-5 py-2.5' },
  { label: 'Outcome', className: 'w-44 px-3 py-2.5' },
  { label: 'Records' },
  { label: 'Started', className: 'w-36 px-3 py-2.5' },
  { label: 'Duration', className: 'w-28 px-3 py-2.5 text-right' },
];

function RunRow({ run, onOpen }: { run: RunSummary; onOpen(): void }) {
  const c = run.counts;
  return (
    <tr className="cursor-pointer hover:bg-indigo-50/40" onClick={onOpen} data-testid={`run-row-${run.id}`} data-status={run.status}>
      <td className="px-5 py-3">
        <div className="font-medium text-slate-900">{run.flowName}</div>
        <div className="font-mono text-[11px] text-slate-400">{run.id}</div>
      </td>
      <td className="px-3 py-3">
        <RunOutcomeBadge status={run.status} counts={run.counts} recordCount={run.recordCount} data-testid="run-row-outcome" />
      </td>
      <td className="px-3 py-3">
        <div className="flex items-center gap-3 text-xs tabular-nums">
          <span className="font-medium text-slate-700">{run.recordCount.toLocaleString()} total</span>
          <span className="text-emerald-700" title="Success">
            ✓ {c.success}
          </span>
          {c.needs_review > 0 && (
            <span className="text-amber-700" title="Needs review">
              ⚑ {c.needs_review}
            </span>
          )}
          {c.failed > 0 && (
            <span className="text-rose-600" title="Failed">
              ✕ {c.failed}
            </span>
          )}
          {c.skipped > 0 && (
            <span className="text-slate-500" title="Skipped">
              ⤼ {c.skipped}
            </span>
          )}
          {c.pending + c.running > 0 && (
            <span className="text-slate-500" title="Not finished">
              … {c.pending + c.running}
            </span>
          )}
        </div>
      </td>
      <td className="px-3 py-3 text-slate-600" title={dateTime(run.startedAt ?? run.createdAt)}>
        {timeAgo(run.startedAt ?? run.createdAt)}
      </td>
      <td className="px-3 py-3 text-right text-slate-600 tabular-nums">{runDuration(run.startedAt, run.endedAt, isRunActive(run.status), run.haltedMs)}</td>
    </tr>
  );
}
