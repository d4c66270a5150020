import { useEffect, useState } from 'react';
import { runsApi } from '../api/endpoints.ts';
import { errorMessage } from '../api/http.ts';
import type { RecordStatus } from '../api/types.ts';
import { RecordInRunBadge } from './RecordInRunBadge.tsx';
import { Button } from '../components/Button.tsx';
import { ErrorState } from '../components/EmptyState.tsx';
import { LoadingState } from '../components/Spinner.tsx';
import { Select } from '../components/TextInput.tsx';
import { RECORD_STATUSES, statusLabel } from '../lib/run-status.ts';
import { duration } from '../lib/format.ts';
import { useAsync } from '../lib/use-async.ts';
import { useLiveRun } from '../stores/live-run-store.ts';
import { jsonPreview } from './JsonBlock.tsx';
import { RecordDetail } from './RecordDetail.tsx';
import { DataTable, TablePager, type Column } from '../components/DataTable.tsx';

const PAGE = 50;

/** The run's records (REST, paged) with a status filter; a row opens the record's steps. */
const RECORD_COLUMNS: Column[] = [
  { label: '#', className: 'w-16 px-3 py-2' },
  { label: 'Status', className: 'w-32 px-3 py-2' },
  { label: 'Data', className: 'px-3 py-2' },
  { label: 'Result / error', className: 'px-3 py-2' },
  { label: 'Time', className: 'w-20 px-3 py-2 text-right' },
];


export function RecordsTable({ runId, nodeNames }: { runId: string; nodeNames: Record<string, string> }) {
  const [status, setStatus] = useState<RecordStatus | ''>('');
  const [offset, setOffset] = useState(0);
  const [open, setOpen] = useState<number | null>(null);
  const counts = useLiveRun((s) => s.counts);
  const final = useLiveRun((s) => s.final);
  const runStatus = useLiveRun((s) => s.status);
  const countsKey = `${counts.success}/${counts.failed}/${counts.needs_review}/${counts.skipped}/${counts.running}`;
  const [refreshKey, setRefreshKey] = useState(countsKey);
  // Refresh at most once a second while the run moves.
  useEffect(() => {
    const t = setTimeout(() => setRefreshKey(countsKey), final ? 0 : 1000);
    return () => clearTimeout(t);
  }, [countsKey, final]);
  const res = useAsync(() => runsApi.records(runId, { status, offset, limit: PAGE }), [runId, status, offset, refreshKey]);

  useEffect(() => setOffset(0), [status]);

  const total = res.data?.total ?? 0;
  return (
    <div className="flex h-full min-h-0 flex-col" data-testid="records-table">
      <div className="flex items-center gap-2 border-b border-slate-100 px-3 py-1.5">
        <label className="flex items-center gap-2 text-xs text-slate-500">
          Status
          <Select className="!h-7 !w-40 !py-0 !text-xs" value={status} onChange={(e) => setStatus(e.target.value as RecordStatus | '')} data-testid="records-filter">
            <option value="">All statuses</option>
            {RECORD_STATUSES.map((s) => (
              <option key={s} value={s}>
                {statusLabel(s)}
              </option>
            ))}
          </Select>
        </label>
        {res.data?.timesUnsure && (
          <span className="truncate text-xs text-amber-700" title={res.data.timesUnsure} data-testid="records-times-unsure">
            Times may include waits for a person: the run&apos;s audit trail cannot be read.
          </span>
        )}
      </div>
      <div className="scrollbar-thin min-h-0 flex-1 overflow-auto">
        {res.loading && !res.data ? (
          <LoadingState label="Loading records…" />
        ) : res.error && !res.data ? (
          <ErrorState title="Could not load the records" message={errorMessage(res.error)} onRetry={res.reload} />
        ) : !res.data?.items.length ? (
          <p className="p-6 text-center text-sm text-slate-500" data-testid="records-empty">
            {status ? `No record is ${statusLabel(status).toLowerCase()}.` : 'No records yet.'}
          </p>
        ) : (
          <DataTable
            className="w-full text-xs"
            look="sticky"
            columns={RECORD_COLUMNS}
            rows={res.data.items}
            row={(r) => (
                <tr key={r.index} className="cursor-pointer hover:bg-indigo-50/40" onClick={() => setOpen(r.index)} data-testid={`record-row-${r.index}`} data-status={r.status}>
                  <td className="px-3 py-1.5 font-medium text-slate-700 tabular-nums">{r.index + 1}</td>
                  <td className="px-3 py-1.5">
                    <RecordInRunBadge status={r.status} runStatus={runStatus} />
                  </td>
                  <td className="max-w-0 truncate px-3 py-1.5 font-mono text-[11px] text-slate-600">{jsonPreview(r.data)}</td>
                  <td className="max-w-0 truncate px-3 py-1.5 font-mono text-[11px]">
                    {r.error ? <span className="font-sans text-rose-600">{r.error.message}</span> : r.reason ? <span className="font-sans text-amber-700">{r.reason}</span> : <span className="text-slate-600">{jsonPreview(r.output)}</span>}
                  </td>
                  <td className="px-3 py-1.5 text-right text-slate-500 tabular-nums">
                    {r.startedAt && r.endedAt ? duration(Math.max(0, new Date(r.endedAt).getTime() - new Date(r.startedAt).getTime() - (r.reviewWaitMs ?? 0) - (r.haltedMs ?? 0))) : '—'}
                  </td>
                </tr>
            )}
          />
        )}
      </div>
      <TablePager always offset={offset} pageSize={PAGE} total={total} onPage={setOffset} rangeTestId="records-total" />
      <RecordDetail runId={runId} index={open} nodeNames={nodeNames} onClose={() => setOpen(null)} />
    </div>
  );
}
