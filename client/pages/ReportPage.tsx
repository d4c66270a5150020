import { useEffect } from 'react';
import { Link, useParams } from 'react-router';
import type { Report } from '../../server/contract/wire/report.ts';
import { ApiError, errorMessage, request } from '../api/http.ts';
import type { RecordStatus } from '../api/types.ts';
import { RunOutcomeBadge } from '../run/RunOutcomeBadge.tsx';
import { Button } from '../components/Button.tsx';
import { EmptyState, ErrorState } from '../components/EmptyState.tsx';
import { AlertIcon, ArrowLeftIcon, CheckIcon, DownloadIcon } from '../components/icons.tsx';
import { LoadingState } from '../components/Spinner.tsx';
import { cn } from '../lib/cn.ts';
import { dateTime, duration, plural } from '../lib/format.ts';
import { isRunActive, RECORD_STATUSES, statusLabel } from '../lib/run-status.ts';
import { useAsync } from '../lib/use-async.ts';
import { useCatalog } from '../stores/catalog-store.ts';
import { Card, PageBody } from './PageHeader.tsx';
import { ReportTokens } from './ReportTokens.tsx';
import { ReportTracking } from './ReportTracking.tsx';
import { DataTable, type Column } from '../components/DataTable.tsx';
import type { EndedAs } from '../../server/contract/end-step.ts';

const enc = encodeURIComponent;
const reportUrl = (id: string) => `/api/runs/${enc(id)}/report`;
const xlsxUrl = (id: string) => `/api/runs/${enc(id)}/report.xlsx`;

/** A bar chart (the run report). */
export function ReportIcon({ size = 16, ...rest }: React.SVGProps<SVGSVGElement> & { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" {...rest}>
      <path d="M3 3v18h18" />
      <path d="M8 17v-5" />
      <path d="M13 17V8" />
      <path d="M18 17v-8" />
    </svg>
  );
}

/** Rejected rows shown on the page (the spreadsheet has all of them). */
const REJECTS_SHOWN = 200;

const TILE_TONES: Record<RecordStatus, { box: string; value: string; bar: string }> = {
  pending: { box: 'bg-slate-50 ring-slate-200', value: 'text-slate-700', bar: 'bg-slate-400' },
  running: { box: 'bg-sky-50 ring-sky-200', value: 'text-sky-700', bar: 'bg-sky-500' },
  success: { box: 'bg-emerald-50 ring-emerald-200', value: 'text-emerald-700', bar: 'bg-emerald-500' },
  failed: { box: 'bg-rose-50 ring-rose-200', value: 'text-rose-700', bar: 'bg-rose-500' },
  needs_review: { box: 'bg-amber-50 ring-amber-200', value: 'text-amber-800', bar: 'bg-amber-500' },
  skipped: { box: 'bg-slate-50 ring-slate-200', value: 'text-slate-600', bar: 'bg-slate-300' },
};

const STEP_COLUMNS: Column[] = [
  { label: 'Step', className: 'px-5 py-2.5' },
  { label: 'Executions', className: 'w-28 px-3 py-2.5 text-right' },
  { label: 'Success', className: 'w-24 px-3 py-2.5 text-right' },
  { label: 'Failed', className: 'w-24 px-3 py-2.5 text-right' },
  { label: 'Review', className: 'w-24 px-3 py-2.5 text-right' },
  { label: 'Average', className: 'w-48 px-3 py-2.5' },
  { label: 'p95', className: 'w-24 px-5 py-2.5 text-right' },
];

const REJECT_COLUMNS: Column[] = [
  { label: 'Row', className: 'w-20 px-5 py-2.5' },
  { label: 'Field', className: 'w-40 px-3 py-2.5' },
  { label: 'Rule', className: 'w-32 px-3 py-2.5' },
  { label: 'Value', className: 'w-48 px-3 py-2.5' },
  { label: 'Message', className: 'px-5 py-2.5' },
];

/** The report of one run: counts, timings, steps, error categories, rejected rows; downloadable as .xlsx. */
export function ReportPage() {
  const { id = '' } = useParams();
  const report = useAsync(() => request<Report>('GET', reportUrl(id)), [id]);
  const r = report.data;
  const active = isRunActive(r?.status);

  // While the run goes on, the report follows it.
  useEffect(() => {
    if (!active) return;
    const t = setInterval(report.reload, 3000);
    return () => clearInterval(t);
  }, [active, report.reload]);

  if (report.error && !r) {
    const e = report.error;
    return (
      <ErrorState
        title={e instanceof ApiError && e.status === 404 ? 'This run does not exist' : 'Could not build the report'}
        message={errorMessage(e)}
        hint={e instanceof ApiError ? e.hint : undefined}
        onRetry={report.reload}
      />
    );
  }
  if (!r) return <LoadingState label="Building the report…" />;

  return (
    <div className="flex min-h-0 flex-1 flex-col" data-testid="report-page" data-run-id={r.runId}>
      <div className="flex h-12 shrink-0 items-center gap-3 border-b border-slate-200 bg-white px-3">
        <Link to={`/runs/${enc(r.runId)}`} className="flex items-center rounded-md px-1.5 py-1 text-slate-500 hover:bg-slate-100 hover:text-slate-800" title="Back to the run">
          <ArrowLeftIcon size={15} />
        </Link>
        <div className="min-w-0">
          <h1 className="truncate text-[15px] font-semibold text-slate-900">Report · {r.flowName}</h1>
        </div>
        <RunOutcomeBadge status={r.status} counts={r.counts} recordCount={r.recordCount} data-testid="report-outcome" />
        <span className="hidden font-mono text-[11px] text-slate-400 md:inline">{r.runId}</span>
        <div className="ml-auto">
          <a href={xlsxUrl(r.runId)} download data-testid="report-download">
            <Button size="sm" variant="primary" icon={<DownloadIcon size={14} />} tabIndex={-1}>
              Download .xlsx
            </Button>
          </a>
        </div>
      </div>

      <PageBody>
        <div className="space-y-6">
          <Tiles report={r} />
          <Timings report={r} />
          <Steps report={r} />
          {r.tokens && <ReportTokens tokens={r.tokens} steps={r.perStep} />}
          {r.tracking && <ReportTracking tracking={r.tracking} />}
          <Errors report={r} />
          <Rejects report={r} />
        </div>
      </PageBody>
    </div>
  );
}

function SectionTitle({ title, subtitle }: { title: string; subtitle?: string }) {
  return (
    <div className="border-b border-slate-200 px-5 py-3">
      <h2 className="text-sm font-semibold text-slate-900">{title}</h2>
      {subtitle && <p className="mt-0.5 text-xs text-slate-500">{subtitle}</p>}
    </div>
  );
}

function Tiles({ report: r }: { report: Report }) {
  const total = r.recordCount;
  return (
    <div className="grid grid-cols-2 gap-3 sm:grid-cols-4 lg:grid-cols-8">
      <div className="col-span-2 rounded-xl bg-white px-4 py-3 shadow-sm ring-1 ring-slate-200">
        <div className="text-xs font-medium tracking-wide text-slate-500 uppercase">Records</div>
        <div className="mt-1 text-2xl font-semibold text-slate-900 tabular-nums" data-testid="report-total">
          {total.toLocaleString()}
        </div>
        <div className="mt-0.5 text-xs text-slate-500">{r.rejects.length > 0 ? `${plural(r.rejects.length, 'row')} rejected before the run` : 'no row rejected'}</div>
      </div>
      {RECORD_STATUSES.map((status) => {
        const n = r.counts[status] ?? 0;
        const tone = TILE_TONES[status];
        return (
          <div key={status} className={cn('rounded-xl px-4 py-3 ring-1', tone.box)} data-testid={`report-count-${status}`}>
            <div className="text-xs font-medium text-slate-600">{statusLabel(status)}</div>
            <div className={cn('mt-1 text-2xl font-semibold tabular-nums', tone.value)}>{n.toLocaleString()}</div>
            <div className="mt-1.5 h-1 overflow-hidden rounded-full bg-white/70">
              <div className={cn('h-full rounded-full', tone.bar)} style={{ width: `${total > 0 ? (100 * n) / total : 0}%` }} />
            </div>
          </div>
        );
      })}
    </div>
  );
}

function Stat({ label, value, title }: { label: string; value: string; title?: string }) {
  return (
    <div title={title}>
      <div className="text-xs text-slate-500">{label}</div>
      <div className="mt-0.5 text-sm font-medium text-slate-900 tabular-nums">{value}</div>
    </div>
  );
}

function Timings({ report: r }: { report: Report }) {
  return (
    <Card>
      <div className="grid grid-cols-2 gap-x-6 gap-y-4 px-5 py-4 md:grid-cols-5">
        <Stat label="Started" value={dateTime(r.startedAt)} />
        <Stat label="Ended" value={dateTime(r.endedAt)} />
        <Stat
          label="Run duration"
          value={duration(r.durationMs)}
          title={r.reviewWaitMs || r.haltedMs ? 'The time the run worked: not the time it stood still (paused, interrupted) nor the time it waited for people' : 'From the run\'s start to its end'}
        />
        <Stat label="Average per record" value={duration(r.perRecord.avgMs)} title="From the first step to the end of the record, finished records only" />
        <Stat label="95% of records within" value={duration(r.perRecord.p95Ms)} title="95th percentile of the time per record" />
      </div>
      {r.reviewWaitMs !== undefined && r.reviewWaitMs > 0 && (
        <p className="border-t border-slate-100 px-5 py-2 text-xs text-slate-500" data-testid="report-review-wait">
          The run also sat finished for {duration(r.reviewWaitMs)} until a person retried records from the review queue: that wait is not in its duration.
        </p>
      )}
      {r.haltedMs !== undefined && r.haltedMs > 0 && (
        <p className="border-t border-slate-100 px-5 py-2 text-xs text-slate-500" data-testid="report-halted">
          The run stood still for {duration(r.haltedMs)} (paused, stopped or interrupted until it was resumed): that time is not in its duration nor in its records' times.
        </p>
      )}
      {r.timesUnsure && (
        <p className="border-t border-slate-100 px-5 py-2 text-xs text-amber-700" data-testid="report-times-unsure">
          {r.timesUnsure}
        </p>
      )}
    </Card>
  );
}

/** The tone of the status an End step gives its records (end-step.ts), in its Success cell. */
const ENDED_AS_TONE: Record<EndedAs, string> = { failed: 'text-rose-600', needs_review: 'text-amber-600', skipped: 'text-slate-500' };

function Steps({ report: r }: { report: Report }) {
  const byType = useCatalog((c) => c.byType);
  useEffect(() => {
    void useCatalog.getState().load();
  }, []);
  const slowest = Math.max(0, ...r.perStep.map((s) => s.avgMs ?? 0));
  return (
    <Card>
      <SectionTitle title="Steps" subtitle="Every execution of each node, retries included." />
      <DataTable
          testId="report-steps"
          columns={STEP_COLUMNS}
          rows={r.perStep}
          empty={<p className="px-5 py-6 text-sm text-slate-500">No step has run yet.</p>}
          row={(s) => (
              <tr key={s.nodeId} data-testid={`report-step-${s.nodeId}`}>
                <td className="px-5 py-2.5">
                  {/* A node without a name is called by its type's title, as on the canvas. */}
                  <div className="font-medium text-slate-900">{s.name === s.type ? (byType[s.type]?.title ?? s.name) : s.name}</div>
                  <div className="font-mono text-[11px] text-slate-400">{s.type}</div>
                </td>
                <td className="px-3 py-2.5 text-right text-slate-700 tabular-nums">{s.count.toLocaleString()}</td>
                {s.endsAs ? (
                  // An End that gives its records another status: its steps succeeded, its records did not.
                  <td className={cn('px-3 py-2.5 text-right tabular-nums', ENDED_AS_TONE[s.endsAs])} title={`Records that ended here as ${statusLabel(s.endsAs).toLowerCase()}`} data-testid={`report-step-${s.nodeId}-ended-as`}>
                    {s.success.toLocaleString()} <span className="text-[11px] font-normal">ended {statusLabel(s.endsAs).toLowerCase()}</span>
                  </td>
                ) : (
                  <td className="px-3 py-2.5 text-right text-emerald-700 tabular-nums">{s.success.toLocaleString()}</td>
                )}
                <td className={cn('px-3 py-2.5 text-right tabular-nums', s.failed > 0 ? 'font-medium text-rose-600' : 'text-slate-400')}>{s.failed.toLocaleString()}</td>
                <td className={cn('px-3 py-2.5 text-right tabular-nums', s.review > 0 ? 'font-medium text-amber-600' : 'text-slate-400')} data-testid={`report-step-${s.nodeId}-review`}>
                  {s.review.toLocaleString()}
                </td>
                <td className="px-3 py-2.5">
                  <div className="flex items-center gap-2">
                    <div className="h-1.5 w-20 overflow-hidden rounded-full bg-slate-100">
                      <div className="h-full rounded-full bg-indigo-400" style={{ width: `${slowest > 0 ? (100 * (s.avgMs ?? 0)) / slowest : 0}%` }} />
                    </div>
                    <span className="text-slate-700 tabular-nums">{duration(s.avgMs)}</span>
                  </div>
                </td>
                <td className="px-5 py-2.5 text-right text-slate-700 tabular-nums">{duration(s.p95Ms)}</td>
              </tr>
          )}
        />
    </Card>
  );
}

function Errors({ report: r }: { report: Report }) {
  const max = Math.max(1, ...r.errors.map((e) => e.count));
  const total = r.errors.reduce((sum, e) => sum + e.count, 0);
  return (
    <Card>
      <SectionTitle title="Errors" subtitle={total > 0 ? `${plural(total, 'record')} ended with an error, by error code.` : undefined} />
      <div data-testid="report-errors">
        {r.errors.length === 0 ? (
          <EmptyState icon={<CheckIcon size={22} />} title="No errors" className="py-8">
            No finished record of this run has an error.
          </EmptyState>
        ) : (
          <ul className="divide-y divide-slate-100">
            {r.errors.map((e) => (
              <li key={e.code} className="grid grid-cols-[minmax(8rem,14rem)_1fr] items-center gap-4 px-5 py-3" data-testid={`report-error-${e.code}`}>
                <div className="min-w-0">
                  <Link
                    to={`/review?runId=${enc(r.runId)}&code=${enc(e.code)}`}
                    className="font-mono text-xs font-medium text-rose-700 hover:underline"
                    title="Open these records in the review queue"
                  >
                    {e.code}
                  </Link>
                  <div className="truncate text-xs text-slate-500" title={e.example}>
                    {e.example}
                  </div>
                </div>
                <div className="flex items-center gap-3">
                  <div className="h-4 flex-1 overflow-hidden rounded bg-slate-100" role="img" aria-label={`${e.code}: ${e.count}`}>
                    <div className="h-full rounded bg-rose-400" style={{ width: `${(100 * e.count) / max}%` }} />
                  </div>
                  <span className="w-14 text-right text-sm font-medium text-slate-700 tabular-nums">{e.count.toLocaleString()}</span>
                </div>
              </li>
            ))}
          </ul>
        )}
      </div>
    </Card>
  );
}

function Rejects({ report: r }: { report: Report }) {
  const shown = r.rejects.slice(0, REJECTS_SHOWN);
  return (
    <Card>
      <SectionTitle
        title="Rejected rows"
        subtitle={r.rejects.length > 0 ? 'Rows of the input refused before the run started; they are not records.' : undefined}
      />
      {r.rejects.length === 0 ? (
        <p className="px-5 py-6 text-sm text-slate-500" data-testid="report-rejects-empty">
          No row was rejected.
        </p>
      ) : (
        <>
          <DataTable
            testId="report-rejects"
            columns={REJECT_COLUMNS}
            rows={shown}
            row={(x, i) => (
                <tr key={`${x.row}-${i}`}>
                  <td className="px-5 py-2 text-slate-700 tabular-nums">{x.row}</td>
                  <td className="px-3 py-2 font-mono text-xs text-slate-700">{x.field ?? '—'}</td>
                  <td className="px-3 py-2 text-slate-600">{x.rule}</td>
                  <td className="max-w-48 truncate px-3 py-2 font-mono text-xs text-slate-600" title={valueText(x.value)}>
                    {valueText(x.value)}
                  </td>
                  <td className="px-5 py-2 text-slate-700">
                    <span className="inline-flex items-center gap-1.5">
                      <AlertIcon size={13} className="shrink-0 text-amber-500" />
                      {x.message}
                    </span>
                  </td>
                </tr>
            )}
          />
          {r.rejects.length > shown.length && (
            <p className="border-t border-slate-100 px-5 py-2.5 text-xs text-slate-500">
              {plural(r.rejects.length - shown.length, 'more row')} in the spreadsheet (Download .xlsx).
            </p>
          )}
        </>
      )}
    </Card>
  );
}

function valueText(value: unknown): string {
  if (value === null || value === undefined) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
