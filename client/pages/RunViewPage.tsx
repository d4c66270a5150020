import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ReactFlowProvider } from '@xyflow/react';
import { runsApi } from '../api/endpoints.ts';
import { ApiError, errorMessage } from '../api/http.ts';
import type { RunSummary } from '../api/types.ts';
import { useCatalog } from '../stores/catalog-store.ts';
import { useLiveRun } from '../stores/live-run-store.ts';
import { ReadOnlyCanvas } from '../canvas/ReadOnlyCanvas.tsx';
import { RunPanel } from '../run/RunPanel.tsx';
import { useRunConnection } from '../run/use-run-connection.ts';
import { Button } from '../components/Button.tsx';
import { ErrorState } from '../components/EmptyState.tsx';
import { ArrowLeftIcon, FlowIcon } from '../components/icons.tsx';
import { LoadingState } from '../components/Spinner.tsx';
import { dateTime } from '../lib/format.ts';
import { useNodeNames } from './use-node-names.ts';
import { ReportIcon } from './ReportPage.tsx';

/** A past (or ongoing) run: its flow snapshot with the counters, the log and the records. */
export function RunViewPage() {
  const { id = '' } = useParams();
  const [state, setState] = useState<{ status: 'loading' | 'ready' | 'error'; run?: RunSummary; error?: unknown }>({ status: 'loading' });
  const [tick, setTick] = useState(0);
  const attached = useLiveRun((s) => s.runId === id);

  useEffect(() => {
    void useCatalog.getState().load();
  }, []);

  useEffect(() => {
    let cancelled = false;
    setState({ status: 'loading' });
    runsApi.get(id).then(
      (run) => {
        if (cancelled) return;
        useLiveRun.getState().attach(run);
        setState({ status: 'ready', run });
      },
      (error) => !cancelled && setState({ status: 'error', error }),
    );
    return () => {
      cancelled = true;
    };
  }, [id, tick]);

  useRunConnection(state.status === 'ready' && attached ? id : null);
  const nodeNames = useNodeNames(state.run?.flow?.nodes ?? []);

  if (state.status === 'error') {
    const e = state.error;
    return (
      <ErrorState
        title={e instanceof ApiError && e.status === 404 ? 'This run does not exist' : 'Could not open the run'}
        message={errorMessage(e)}
        hint={e instanceof ApiError ? e.hint : undefined}
        onRetry={() => setTick((t) => t + 1)}
      />
    );
  }
  if (state.status === 'loading' || !state.run) return <LoadingState label="Opening the run…" />;
  const run = state.run;

  return (
    <div className="flex min-h-0 flex-1 flex-col" data-testid="run-view" data-run-id={run.id}>
      <div className="flex h-12 shrink-0 items-center gap-3 border-b border-slate-200 bg-white px-3">
        <Link to="/runs" className="flex items-center rounded-md px-1.5 py-1 text-slate-500 hover:bg-slate-100 hover:text-slate-800" title="Back to runs">
          <ArrowLeftIcon size={15} />
        </Link>
        <div className="min-w-0">
          <h1 className="truncate text-[15px] font-semibold text-slate-900" data-testid="run-flow-name">
            {run.flowName}
          </h1>
        </div>
        <div className="hidden items-center gap-4 text-xs text-slate-500 md:flex">
          <span>Created {dateTime(run.createdAt)}</span>
          <span>Concurrency {run.settings?.concurrency ?? '—'}</span>
          <CallerLink settings={run.settings} />
        </div>
        <div className="ml-auto flex items-center gap-2">
          <Link to={`/runs/${encodeURIComponent(run.id)}/report`}>
            <Button size="sm" icon={<ReportIcon size={14} />} data-testid="btn-run-report">
              Report
            </Button>
          </Link>
          <Link to={`/flows/${encodeURIComponent(run.flowId)}`}>
            <Button size="sm" icon={<FlowIcon size={14} />} data-testid="btn-open-flow">
              Open flow
            </Button>
          </Link>
        </div>
      </div>
      <div className="min-h-0 flex-1">
        {run.flow ? (
          <ReactFlowProvider>
            <ReadOnlyCanvas flow={run.flow} />
          </ReactFlowProvider>
        ) : (
          <p className="p-6 text-sm text-slate-500">The flow snapshot of this run is not available.</p>
        )}
      </div>
      {attached && <RunPanel nodeNames={nodeNames} linkToRun={false} defaultTab="records" />}
    </div>
  );
}

/** A run started by a Run flow step links back to the run (and record) that started it. */
function CallerLink({ settings }: { settings: unknown }) {
  const caller = (settings as { caller?: { runId?: unknown; recordIndex?: unknown } } | null)?.caller;
  if (!caller || typeof caller.runId !== 'string') return null;
  return (
    <Link to={`/runs/${encodeURIComponent(caller.runId)}`} className="text-indigo-700 hover:underline" data-testid="run-caller">
      Started by record #{typeof caller.recordIndex === 'number' ? caller.recordIndex + 1 : '?'} of run {caller.runId}
    </Link>
  );
}
