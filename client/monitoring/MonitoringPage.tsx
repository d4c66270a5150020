import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { ApiError, errorMessage } from '../api/http.ts';
import { Button } from '../components/Button.tsx';
import { DataTable, type Column } from '../components/DataTable.tsx';
import { ErrorState } from '../components/EmptyState.tsx';
import { LoadingState } from '../components/Spinner.tsx';
import { TextInput } from '../components/TextInput.tsx';
import { useAsync } from '../lib/use-async.ts';
import { Card, PageBody, PageHeader } from '../pages/PageHeader.tsx';
import { monitoringApi, type SummarySetting } from './summaries-api.ts';

const RUN_COLUMNS: Column[] = [
  { label: 'Run', className: 'py-1.5 pr-3' },
  { label: 'Flow', className: 'py-1.5 pr-3' },
  { label: 'Under way', className: 'py-1.5 pr-3 text-right' },
  { label: 'Waiting', className: 'py-1.5 pr-3 text-right' },
  { label: 'Last progress', className: 'py-1.5' },
];
const DELIVERY_COLUMNS: Column[] = [
  { label: 'Sent', className: 'py-1 pr-3' },
  { label: 'Summary', className: 'py-1 pr-3' },
  { label: 'To', className: 'py-1 pr-3' },
  { label: 'Result', className: 'py-1' },
];

const splitList = (text: string) => text.split(/[,;\s]+/).map((s) => s.trim()).filter(Boolean);

/** A summary as edited: lists as text, as typed. */
interface Draft {
  setting: SummarySetting;
  recipients: string;
  flows: string;
}

const toDraft = (s: SummarySetting): Draft => ({ setting: s, recipients: s.recipients.join(', '), flows: s.flows.join(', ') });

/**
 * Monitoring for the whole install: the daily summary mails (when, in which time zone, to whom,
 * through which mail account, for which flows), their last deliveries, and the runs executing now
 * with the watchdog's view of their progress. Alert rules are per flow, in the flow's inspector.
 */
export function MonitoringPage() {
  const loaded = useAsync(() => monitoringApi.summaries(), []);
  const runs = useAsync(() => monitoringApi.runs(), []);
  const [drafts, setDrafts] = useState<Draft[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (loaded.data) setDrafts(loaded.data.summaries.map(toDraft));
  }, [loaded.data]);

  if (loaded.error) return <ErrorState title="Could not load the monitoring settings" message={errorMessage(loaded.error)} onRetry={loaded.reload} />;
  if (!drafts || !loaded.data) return <LoadingState label="Loading…" />;

  const change = (i: number, patch: Partial<SummarySetting>, text?: Partial<Omit<Draft, 'setting'>>) =>
    setDrafts(drafts.map((d, j) => (j === i ? { ...d, ...text, setting: { ...d.setting, ...patch } } : d)));
  const add = () => {
    let n = drafts.length + 1;
    while (drafts.some((d) => d.setting.id === `daily-${n}`)) n++;
    setDrafts([...drafts, toDraft({ id: `daily-${n}`, enabled: true, time: '08:00', timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC', recipients: [], credential: '', flows: [] })]);
  };
  const save = async () => {
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const view = await monitoringApi.saveSummaries(drafts.map((d) => ({ ...d.setting, recipients: splitList(d.recipients), flows: splitList(d.flows) })));
      loaded.setData(view);
      setSaved(true);
    } catch (err) {
      setError(err instanceof ApiError ? `${err.message} ${err.hint}` : errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <PageBody>
      <div data-testid="monitoring-page" className="space-y-5">
        <PageHeader
          title="Monitoring"
          subtitle="Daily summary mails of the runs, and the runs executing now. Alert rules are set per flow: open a flow and unfold Alerts in its inspector."
        />
        <Card>
          <div className="space-y-3 p-5 text-sm">
            <h2 className="font-semibold text-slate-800 dark:text-slate-100">Daily summaries</h2>
            {drafts.length === 0 && <p className="text-slate-500">No daily summary is set.</p>}
            {drafts.map((d, i) => (
              <fieldset key={i} className="grid grid-cols-2 gap-2 rounded-md border border-slate-200 p-3 dark:border-slate-700" data-testid={`summary-${i}`}>
                <label className="col-span-2 flex items-center gap-2">
                  <input type="checkbox" checked={d.setting.enabled} onChange={(e) => change(i, { enabled: e.target.checked })} />
                  <span>Send “{d.setting.id}” every day</span>
                  <Button size="xs" variant="ghost" className="ml-auto" onClick={() => setDrafts(drafts.filter((_, j) => j !== i))} data-testid={`summary-remove-${i}`}>
                    Remove
                  </Button>
                </label>
                <TextInput aria-label="Time" value={d.setting.time} onChange={(e) => change(i, { time: e.target.value })} data-testid={`summary-time-${i}`} />
                <TextInput aria-label="Time zone" value={d.setting.timeZone} onChange={(e) => change(i, { timeZone: e.target.value })} data-testid={`summary-zone-${i}`} />
                <TextInput aria-label="Recipients" placeholder="Recipients: ops@example.com, …" className="col-span-2" value={d.recipients} onChange={(e) => change(i, {}, { recipients: e.target.value })} data-testid={`summary-to-${i}`} />
                <TextInput aria-label="Mail account" placeholder="SMTP credential name" value={d.setting.credential} onChange={(e) => change(i, { credential: e.target.value })} data-testid={`summary-credential-${i}`} />
                <TextInput aria-label="Flows" placeholder="Flow ids (empty: all flows)" value={d.flows} onChange={(e) => change(i, {}, { flows: e.target.value })} data-testid={`summary-flows-${i}`} />
              </fieldset>
            ))}
            <div className="flex gap-2">
              <Button size="sm" onClick={add} data-testid="summary-add">
                Add a summary
              </Button>
              <Button size="sm" variant="primary" onClick={save} loading={busy} data-testid="summary-save">
                Save summaries
              </Button>
            </div>
            {error && (
              <p role="alert" className="text-xs text-rose-700 dark:text-rose-300" data-testid="summary-error">
                {error}
              </p>
            )}
            {saved && <p className="text-xs text-emerald-700 dark:text-emerald-300" data-testid="summary-saved">Summaries saved.</p>}
            {loaded.data.deliveries.length > 0 && (
              <DataTable
                look="plain"
                className="w-full text-xs"
                testId="summary-deliveries"
                columns={DELIVERY_COLUMNS}
                rows={loaded.data.deliveries.slice(0, 10)}
                row={(d, i) => (
                  <tr key={i} className={d.ok ? 'text-slate-600' : 'text-rose-700 dark:text-rose-300'}>
                    <td className="py-1 pr-3 tabular-nums">{new Date(d.at).toLocaleString()}</td>
                    <td className="py-1 pr-3">{d.title}</td>
                    <td className="py-1 pr-3">{d.target}</td>
                    <td className="py-1">{d.ok ? 'sent' : `${d.error?.code} ${d.error?.message}`}</td>
                  </tr>
                )}
              />
            )}
          </div>
        </Card>
        <Card>
          <div className="space-y-2 p-5 text-sm" data-testid="monitoring-runs">
            <h2 className="font-semibold text-slate-800 dark:text-slate-100">Runs executing now</h2>
            <DataTable
              look="plain"
              testId="monitoring-runs-table"
              columns={RUN_COLUMNS}
              rows={runs.data ?? []}
              empty={<p className="text-slate-500">{runs.error ? `Could not load the runs: ${errorMessage(runs.error)}` : runs.data ? 'No run is executing.' : 'Loading…'}</p>}
              row={(r) => (
                <tr key={r.runId} data-testid="monitoring-run" className={r.stalledSince ? 'text-amber-800 dark:text-amber-300' : 'text-slate-700'}>
                  <td className="py-1.5 pr-3">
                    <Link to={`/runs/${r.runId}`} className="font-medium underline">
                      {r.runId}
                    </Link>
                  </td>
                  <td className="py-1.5 pr-3">{r.flowId}</td>
                  <td className="py-1.5 pr-3 text-right tabular-nums">{r.counts.running}</td>
                  <td className="py-1.5 pr-3 text-right tabular-nums">{r.counts.pending}</td>
                  <td className="py-1.5">
                    {new Date(r.lastProgressAt).toLocaleTimeString()}
                    {r.stalledSince ? ` — no progress since then (flagged ${new Date(r.stalledSince).toLocaleTimeString()})` : ''}
                  </td>
                </tr>
              )}
            />
            <Button size="xs" variant="ghost" onClick={runs.reload}>
              Refresh
            </Button>
          </div>
        </Card>
      </div>
    </PageBody>
  );
}
