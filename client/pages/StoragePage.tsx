import { useState } from 'react';
import { Link } from 'react-router';
import { api, ApiError, errorMessage } from '../api/http.ts';
import { Button } from '../components/Button.tsx';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { EmptyState, ErrorState } from '../components/EmptyState.tsx';
import { HistoryIcon, iconFrom, TrashIcon } from '../components/icons.tsx';
import { LoadingState } from '../components/Spinner.tsx';
import { Select, TextInput } from '../components/TextInput.tsx';
import { dateTime, plural, timeAgo } from '../lib/format.ts';
import { useAsync } from '../lib/use-async.ts';
import { toast } from '../stores/toast-store.ts';
import { Card, PageBody, PageHeader } from './PageHeader.tsx';

// GET /api/storage, POST /api/runs/prune, GET /api/audit (docs/api.md, "Storage and retention"): the contract's types.
import type { AuditEntry, PruneResult as PruneAnswer, RunSpace, StorageAnswer } from '../../server/contract/wire/storage.ts';

import { DatabaseIcon } from './nav-icons.tsx';
import { DataTable, TablePager, type Column } from '../components/DataTable.tsx';
import { isRunActive, RUN_STATUSES } from '../lib/run-status.ts';
// RunHead.status is typed string on the wire (server/contract/wire/storage.ts) though the store writes a RunStatus.
import type { RunStatus } from '../api/types.ts';
export { DatabaseIcon };

const PAGE = 50;
/** The run statuses each choice of the prune form sends (none: every ended run). */
export const PRUNE_STATUSES: Record<string, readonly string[] | undefined> = {
  ended: undefined,
  completed: ['completed'],
  failed: ['failed'],
  stopped: ['stopped'],
  // Every status at rest (server/contract/status.ts): nothing of the run executes.
  any: RUN_STATUSES.filter((s) => !isRunActive(s)),
};

const SPACE_COLUMNS: Column[] = [
  { label: 'Run', className: 'px-5 py-2.5' },
  { label: 'Status' },
  { label: 'Ended' },
  { label: 'Records', className: 'px-3 py-2.5 text-right' },
  { label: 'Size', className: 'px-3 py-2.5 text-right' },
  { className: 'w-48 px-3 py-2.5' },
];

const AUDIT_COLUMNS: Column[] = [
  { label: 'When', className: 'py-1.5' },
  { label: 'Who', className: 'py-1.5' },
  { label: 'What', className: 'py-1.5' },
  { label: 'Records / files', className: 'py-1.5 text-right' },
  { label: 'Size', className: 'py-1.5 text-right' },
];


export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

const ACTION_LABEL: Record<string, string> = {
  'run.delete': 'Deleted run',
  'run.archive': 'Archived and deleted run',
  'uploads.cleanup': 'Cleaned up unused files',
  'steps.lost': 'Store repair lost steps of run',
  'files.lost': 'Store repair moved aside damaged files',
};

export function StoragePage() {
  const [sort, setSort] = useState<'size' | 'age'>('size');
  const [offset, setOffset] = useState(0);
  const storage = useAsync(() => api.get<StorageAnswer>(`/api/storage?sort=${sort}&offset=${offset}&limit=${PAGE}`), [sort, offset]);
  const audit = useAsync(() => api.get<{ items: AuditEntry[]; total: number }>('/api/audit?limit=20'), []);
  const [target, setTarget] = useState<{ run: RunSpace; archive: boolean; force: boolean; error: string | null } | null>(null);
  const reload = () => {
    storage.reload();
    audit.reload();
  };

  const remove = async () => {
    if (!target) return;
    const { run, archive, force } = target;
    const q = new URLSearchParams();
    if (archive) q.set('archive', '1');
    if (force) q.set('force', '1');
    try {
      const r = await api.del<{ records: number; bytes: number; archive: string | null; damaged?: Array<{ file: string; reason: string }> }>(`/api/runs/${encodeURIComponent(run.id)}${q.size ? `?${q}` : ''}`);
      setTarget(null);
      toast.success(archive ? 'Run archived and deleted' : 'Run deleted', `${run.flowName}: ${plural(r.records, 'record')}, ${formatBytes(r.bytes)} freed${r.archive ? ` — archive in ${r.archive}` : ''}.`);
      // Files that were damaged on disk before the archive took them: named, never passed off as whole.
      if (r.damaged?.length) toast.warning(`${plural(r.damaged.length, 'file')} of the run ${r.damaged.length === 1 ? 'was' : 'were'} damaged`, `${r.damaged.map((d) => `${d.file}: ${d.reason}`).join('; ')}. The archive's run.json lists ${r.damaged.length === 1 ? 'it' : 'them'}.`);
      reload();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'E_RUN_IN_REVIEW') setTarget({ ...target, force: true, error: `${err.message} ${err.hint}` });
      else setTarget({ ...target, error: err instanceof ApiError ? `${err.message} ${err.hint}` : errorMessage(err) });
    }
  };

  const data = storage.data;
  return (
    <PageBody>
      <div data-testid="storage-page" className="space-y-5">
        <PageHeader
          title="Storage"
          subtitle="How much space each run takes — its records and steps in the store, its evidence files and its uploaded input. Delete or archive runs that are done with."
          actions={
            <Button size="sm" onClick={reload}>
              Refresh
            </Button>
          }
        />
        {storage.loading && !data ? (
          <Card>
            <LoadingState label="Measuring runs…" />
          </Card>
        ) : storage.error && !data ? (
          <Card>
            <ErrorState title="Could not load the storage figures" message={errorMessage(storage.error)} onRetry={storage.reload} />
          </Card>
        ) : data ? (
          <>
            <Card className="p-5">
              <dl className="grid grid-cols-2 gap-4 text-sm sm:grid-cols-6" data-testid="storage-totals">
                <Figure label="Runs" value={data.totals.runs.toLocaleString()} testId="storage-total-runs" />
                <Figure label="Runs take (estimate)" value={formatBytes(data.totals.runBytes)} />
                {/* PostgreSQL: evidence and uploads live in the database; the folders hold this studio's copies only. */}
                <Figure
                  label={data.totals.database ? 'Database' : 'Store on disk'}
                  value={formatBytes(data.totals.disk.store)}
                  note={data.totals.database ? `evidence ${formatBytes(data.totals.database.evidence)}, uploads ${formatBytes(data.totals.database.uploads)} of it` : undefined}
                  testId="storage-store"
                />
                <Figure
                  label={data.totals.database ? "Evidence / uploads in this studio's folder" : 'Evidence / uploads'}
                  value={`${formatBytes(data.totals.disk.evidence)} / ${formatBytes(data.totals.disk.uploads)}`}
                />
                <Figure label="Archives" value={formatBytes(data.totals.disk.archive)} />
                <Figure label="Files chosen in steps" value={`${formatBytes(data.totals.keptFiles.bytes)} (${plural(data.totals.keptFiles.files, 'file')})`} testId="storage-kept-files" />
              </dl>
              <p className="mt-3 text-xs text-slate-500">
                Uploaded files no run uses are deleted {data.uploadGraceHours} h after upload. Files chosen in steps' forms are deleted once no flow and no run names them ({data.uploadGraceHours} h after they were last chosen, at the earliest). Archives go to{' '}
                <span className="font-mono">{data.archiveDir}</span>.
              </p>
            </Card>
            <PruneForm onDone={reload} />
            {data.total === 0 ? (
              <Card>
                <EmptyState icon={<HistoryIcon size={22} />} title="No runs stored" data-testid="storage-empty">
                  Runs appear here once they start.
                </EmptyState>
              </Card>
            ) : (
              <Card>
                <div className="flex items-center gap-3 border-b border-slate-200 px-5 py-2.5 text-sm">
                  <span className="font-medium text-slate-700">{plural(data.total, 'run')}</span>
                  <label className="ml-auto flex items-center gap-2 text-xs text-slate-500">
                    Order
                    <Select
                      value={sort}
                      data-testid="storage-sort"
                      className="w-40"
                      onChange={(e) => {
                        setSort(e.target.value as 'size' | 'age');
                        setOffset(0);
                      }}
                    >
                      <option value="size">Biggest first</option>
                      <option value="age">Oldest first</option>
                    </Select>
                  </label>
                </div>
                <DataTable
                  testId="storage-table"
                  columns={SPACE_COLUMNS}
                  rows={data.items}
                  row={(r) => (
                      <tr key={r.id} data-testid={`storage-row-${r.id}`} data-status={r.status}>
                        <td className="px-5 py-3">
                          <Link to={`/runs/${encodeURIComponent(r.id)}`} className="font-medium text-slate-900 hover:text-indigo-700">
                            {r.flowName}
                          </Link>
                          <div className="font-mono text-[11px] text-slate-400">{r.id}</div>
                        </td>
                        <td className="px-3 py-3 text-slate-600">{r.status}</td>
                        <td className="px-3 py-3 text-slate-600" title={dateTime(r.endedAt ?? r.createdAt)}>
                          {r.endedAt ? timeAgo(r.endedAt) : `started ${timeAgo(r.createdAt)}`}
                        </td>
                        <td className="px-3 py-3 text-right tabular-nums text-slate-600">{r.recordCount.toLocaleString()}</td>
                        <td
                          className="px-3 py-3 text-right font-medium tabular-nums text-slate-800"
                          data-testid="storage-row-size"
                          title={`store ${formatBytes(r.storeBytes)} (estimate), evidence ${formatBytes(r.evidenceBytes)}, uploaded input ${formatBytes(r.uploadBytes)}`}
                        >
                          {formatBytes(r.bytes)}
                        </td>
                        <td className="px-3 py-3 text-right">
                          {isRunActive(r.status as RunStatus) ? (
                            <span className="text-xs text-slate-400">executing</span>
                          ) : (
                            <div className="flex justify-end gap-1.5">
                              <Button size="sm" data-testid={`btn-archive-${r.id}`} onClick={() => setTarget({ run: r, archive: true, force: false, error: null })}>
                                Archive
                              </Button>
                              <Button size="sm" variant="danger" icon={<TrashIcon size={14} />} data-testid={`btn-delete-${r.id}`} onClick={() => setTarget({ run: r, archive: false, force: false, error: null })}>
                                Delete
                              </Button>
                            </div>
                          )}
                        </td>
                      </tr>
                  )}
                />
                <TablePager noun="runs" offset={offset} pageSize={PAGE} total={data.total} onPage={setOffset} />
              </Card>
            )}
          </>
        ) : null}
        <AuditCard entries={audit.data?.items ?? []} />
        <ConfirmDialog
          open={target !== null}
          title={target ? `${target.archive ? 'Archive and delete' : 'Delete'} this run?` : ''}
          confirmLabel={target?.force ? 'Delete anyway' : target?.archive ? 'Archive and delete' : 'Delete run'}
          danger
          onConfirm={remove}
          onCancel={() => setTarget(null)}
        >
          {target && (
            <div className="space-y-2" data-testid="storage-confirm">
              <p>
                <strong>{target.run.flowName}</strong> <span className="font-mono text-xs">{target.run.id}</span> — {plural(target.run.recordCount, 'record')},{' '}
                {formatBytes(target.run.bytes)}. Its records, steps, log, evidence and uploaded input (unless another run uses it) are deleted for good
                {target.archive ? ', after being written to the archive folder' : ''}. The deletion is recorded in the audit list.
              </p>
              {target.error && (
                <p className="rounded-md bg-amber-50 p-2 text-amber-800" role="alert" data-testid="storage-confirm-error">
                  {target.error}
                </p>
              )}
            </div>
          )}
        </ConfirmDialog>
      </div>
    </PageBody>
  );
}

function Figure({ label, value, note, testId }: { label: string; value: string; note?: string; testId?: string }) {
  return (
    <div>
      <dt className="text-xs text-slate-500">{label}</dt>
      <dd className="mt-0.5 text-base font-semibold text-slate-900 tabular-nums" data-testid={testId}>
        {value}
      </dd>
      {note && (
        <dd className="text-xs text-slate-500" data-testid={testId && `${testId}-note`}>
          {note}
        </dd>
      )}
    </div>
  );
}

/** Prune by age: a dry-run preview first, then the deletion after a confirmation. */
function PruneForm({ onDone }: { onDone(): void }) {
  const [days, setDays] = useState('30');
  const [which, setWhich] = useState('ended');
  const [archive, setArchive] = useState(false);
  const [force, setForce] = useState(false);
  const [preview, setPreview] = useState<PruneAnswer | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const n = Number(days);
  const valid = days.trim() !== '' && Number.isFinite(n) && n >= 0;
  const body = (dryRun: boolean) => ({ olderThanDays: n, ...(PRUNE_STATUSES[which] ? { status: PRUNE_STATUSES[which] } : {}), archive, force, dryRun });

  const run = async (dryRun: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<PruneAnswer>('/api/runs/prune', body(dryRun));
      if (dryRun) setPreview(r);
      else {
        setPreview(null);
        setConfirm(false);
        toast.success(`${plural(r.runs.length, 'run')} deleted`, `${formatBytes(r.bytes)} freed${r.archive ? ` — archived in ${r.archive}` : ''}.`);
        onDone();
      }
    } catch (err) {
      setConfirm(false);
      setError(err instanceof ApiError ? `${err.message} ${err.hint}` : errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const changed = () => setPreview(null);

  return (
    <Card className="p-5">
      <h2 className="text-sm font-semibold text-slate-900">Delete runs by age</h2>
      <div className="mt-3 flex flex-wrap items-end gap-3 text-sm">
        <label className="flex flex-col gap-1 text-xs text-slate-500">
          Ended more than (days) ago
          <TextInput
            className="w-28"
            inputMode="decimal"
            value={days}
            invalid={!valid}
            data-testid="prune-days"
            onChange={(e) => {
              setDays(e.target.value);
              changed();
            }}
          />
        </label>
        <label className="flex flex-col gap-1 text-xs text-slate-500">
          Runs
          <Select
            className="w-64"
            value={which}
            data-testid="prune-status"
            onChange={(e) => {
              setWhich(e.target.value);
              changed();
            }}
          >
            <option value="ended">Ended: completed, failed, stopped</option>
            <option value="completed">Completed only</option>
            <option value="failed">Failed only</option>
            <option value="stopped">Stopped only</option>
            <option value="any">Any that is not executing</option>
          </Select>
        </label>
        <label className="flex items-center gap-2 pb-1.5 text-slate-700">
          <input type="checkbox" checked={archive} data-testid="prune-archive" onChange={(e) => (setArchive(e.target.checked), changed())} />
          Archive first
        </label>
        <label className="flex items-center gap-2 pb-1.5 text-slate-700" title="Runs with records waiting in the review queue are kept unless this is ticked">
          <input type="checkbox" checked={force} data-testid="prune-force" onChange={(e) => (setForce(e.target.checked), changed())} />
          Also runs with records in review
        </label>
        <Button disabled={!valid} loading={busy && !confirm} data-testid="prune-preview" onClick={() => run(true)}>
          Preview
        </Button>
      </div>
      {!valid && <p className="mt-2 text-xs text-rose-600">Give the age as a number of days, 0 or more.</p>}
      {error && (
        <p className="mt-3 rounded-md bg-rose-50 p-2 text-sm text-rose-700" role="alert" data-testid="prune-error">
          {error}
        </p>
      )}
      {preview && (
        <div className="mt-4" data-testid="prune-preview-result">
          <p className="text-sm text-slate-700">
            {preview.runs.length === 0 ? 'No run would be deleted.' : `${plural(preview.runs.length, 'run')} would be deleted, ${formatBytes(preview.bytes)}${preview.archive ? `, archived first into ${preview.archive}` : ''}:`}
          </p>
          {preview.runs.length > 0 && (
            <ul className="mt-2 max-h-48 space-y-0.5 overflow-auto text-xs text-slate-600" data-testid="prune-preview-list">
              {preview.runs.map((r) => (
                <li key={r.id}>
                  <span className="font-mono">{r.id}</span> · {r.flowName} · {r.status} · ended {timeAgo(r.endedAt)} · {plural(r.records, 'record')} · {formatBytes(r.bytes)}
                </li>
              ))}
            </ul>
          )}
          {preview.skipped.length > 0 && (
            <p className="mt-2 text-xs text-amber-700" data-testid="prune-preview-skipped">
              Kept: {preview.skipped.map((s) => `${s.id} (${s.reason})`).join('; ')}
            </p>
          )}
          {preview.runs.length > 0 && (
            <Button className="mt-3" variant="danger" icon={<TrashIcon size={14} />} data-testid="prune-run" onClick={() => setConfirm(true)}>
              Delete {plural(preview.runs.length, 'run')}…
            </Button>
          )}
        </div>
      )}
      <ConfirmDialog
        open={confirm}
        title={`Delete ${plural(preview?.runs.length ?? 0, 'run')}?`}
        confirmLabel={archive ? 'Archive and delete' : 'Delete'}
        danger
        onConfirm={() => run(false)}
        onCancel={() => setConfirm(false)}
      >
        Every run that ended more than {days} days ago, as in the preview ({formatBytes(preview?.bytes ?? 0)}), is deleted with its records, steps, log, evidence and unused
        uploads{archive ? ', after being archived' : ''}. This cannot be undone.
      </ConfirmDialog>
    </Card>
  );
}

export function AuditCard({ entries }: { entries: AuditEntry[] }) {
  return (
    <Card className="p-5">
      <h2 className="text-sm font-semibold text-slate-900">Deletions (audit)</h2>
      {entries.length === 0 ? (
        <p className="mt-2 text-sm text-slate-500" data-testid="audit-empty">
          Nothing was deleted yet.
        </p>
      ) : (
        <DataTable
          testId="audit-table"
          className="mt-2 w-full text-sm"
          look="plain"
          columns={AUDIT_COLUMNS}
          rows={entries}
          row={(e) => (
              <tr key={e.id} data-testid="audit-row">
                <td className="py-1.5 text-slate-600" title={dateTime(e.at)}>
                  {timeAgo(e.at)}
                </td>
                <td className="py-1.5 text-slate-600">{e.actor}</td>
                <td className="py-1.5 text-slate-800">
                  {ACTION_LABEL[e.action] ?? e.action}
                  {e.runId && (
                    <>
                      {' '}
                      <span className="font-mono text-xs">{e.runId}</span> {e.flowName && <span className="text-slate-500">({e.flowName})</span>}
                    </>
                  )}
                  {e.detail?.forced && <span className="ml-1 text-xs text-amber-700">with records in review</span>}
                  {e.detail?.archive && <div className="font-mono text-[11px] text-slate-400">{e.detail.archive}</div>}
                  {e.action === 'files.lost' && e.detail?.files && (
                    <div className="text-xs text-amber-700" data-testid="audit-files-lost">
                      {e.detail.files.map((f) => `${f.ref} (${f.state})`).join(', ')}
                    </div>
                  )}
                  {e.action === 'steps.lost' && e.detail?.lost && (
                    <div className="text-xs text-amber-700" data-testid="audit-steps-lost">
                      {plural(e.detail.steps ?? 0, 'step')} of record{e.records === 1 ? '' : 's'} {e.detail.lost.map((l) => l.record).join(', ')}
                      {e.detail.more ? ` and ${e.detail.more.toLocaleString()} more` : ''} (damaged step segment; the records keep their status and output)
                      {e.detail.copiedTo && <div className="font-mono text-[11px] text-slate-400">{e.detail.copiedTo}</div>}
                    </div>
                  )}
                </td>
                <td className="py-1.5 text-right tabular-nums text-slate-600">{e.records.toLocaleString()}</td>
                <td className="py-1.5 text-right tabular-nums text-slate-600">{formatBytes(e.bytes)}</td>
              </tr>
          )}
        />
      )}
    </Card>
  );
}
