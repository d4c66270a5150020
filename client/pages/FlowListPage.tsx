import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { flowsApi, schedulesApi, type ScheduleInfo } from '../api/endpoints.ts';
import { ApiError, errorMessage } from '../api/http.ts';
import type { FlowSummary } from '../api/types.ts';
import { Button, IconButton } from '../components/Button.tsx';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { EmptyState, ErrorState } from '../components/EmptyState.tsx';
import { ErrorDialog } from '../components/ErrorDialog.tsx';
import { fileNodes, problemStep } from '../components/problem-step.ts';
import { useCatalog } from '../stores/catalog-store.ts';
import { DownloadIcon, FlowIcon, PencilIcon, PlusIcon, TrashIcon, UploadIcon } from '../components/icons.tsx';
import { PromptDialog } from '../components/PromptDialog.tsx';
import { NewFlowDialog } from '../templates/NewFlowDialog.tsx';
import { TemplateGallery } from '../templates/TemplateGallery.tsx';
import { LoadingState } from '../components/Spinner.tsx';
import { dateTime, plural, timeAgo } from '../lib/format.ts';
import { cn } from '../lib/cn.ts';
import { downloadUrl } from '../lib/download.ts';
import { useAsync } from '../lib/use-async.ts';
import { toast } from '../stores/toast-store.ts';
import { Card, PageBody, PageHeader } from './PageHeader.tsx';
import { useWindowFileDrop } from './useFileDrop.ts';
import { DataTable } from '../components/DataTable.tsx';

export function FlowListPage() {
  const navigate = useNavigate();
  const flows = useAsync(() => flowsApi.list(), []);
  const schedules = useAsync(() => schedulesApi.list(), []);
  const reloadSchedules = schedules.reload;
  useEffect(() => {
    // next run times move on as ticks fire
    const timer = setInterval(reloadSchedules, 10_000);
    return () => clearInterval(timer);
  }, [reloadSchedules]);
  const scheduleOf = new Map((schedules.data ?? []).map((s) => [s.flowId, s]));
  const hasSchedules = scheduleOf.size > 0;
  const [creating, setCreating] = useState(false);
  const [renaming, setRenaming] = useState<FlowSummary | null>(null);
  const [deleting, setDeleting] = useState<FlowSummary | null>(null);
  const [importError, setImportError] = useState<unknown>(null);
  /** The nodes of the file refused, to name the step of each problem. */
  const [importNodes, setImportNodes] = useState<ReturnType<typeof fileNodes>>([]);
  const [importing, setImporting] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);

  const importFile = useCallback(
    async (file: File) => {
      if (!/\.json$/i.test(file.name) && file.type !== 'application/json') {
        toast.error('Not a flow file', `"${file.name}" is not a .json file. Export a flow from Conveyor and import that file.`);
        return;
      }
      setImporting(true);
      try {
        const text = await file.text();
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch (err) {
          throw new ApiError(422, 'E_FLOW_INVALID', `"${file.name}" is not valid JSON.`, 'Export the flow again from Conveyor, or fix the syntax.', [
            { path: '$', message: `The file is not valid JSON (${(err as Error).message}).` },
          ]);
        }
        setImportNodes(fileNodes(parsed));
        const entry = await flowsApi.importFlow(parsed);
        toast.success('Flow imported', `"${entry.name}" is ready.`);
        navigate(`/flows/${encodeURIComponent(entry.id)}`);
      } catch (err) {
        setImportError(err);
      } finally {
        setImporting(false);
      }
    },
    [navigate],
  );

  const dropping = useWindowFileDrop((f) => void importFile(f));

  const list = flows.data ?? [];
  const sorted = [...list].sort((a, b) => (b.updatedAt ?? '').localeCompare(a.updatedAt ?? ''));

  return (
    <PageBody>
      <PageHeader
        title="Flows"
        subtitle="Draw a flow, run it over your records, and watch every step live."
        actions={
          <>
            <input
              ref={fileInput}
              type="file"
              accept=".json,application/json"
              className="hidden"
              data-testid="import-file"
              onChange={(e) => {
                const f = e.target.files?.[0];
                e.target.value = '';
                if (f) void importFile(f);
              }}
            />
            <Button icon={<UploadIcon />} onClick={() => fileInput.current?.click()} loading={importing} data-testid="btn-import">
              Import
            </Button>
            <Button variant="primary" icon={<PlusIcon />} onClick={() => setCreating(true)} data-testid="btn-new-flow">
              New flow
            </Button>
          </>
        }
      />

      {flows.loading && !flows.data ? (
        <Card>
          <LoadingState label="Loading flows…" />
        </Card>
      ) : flows.error && !flows.data ? (
        <Card>
          <ErrorState title="Could not load the flows" message={errorMessage(flows.error)} onRetry={flows.reload} />
        </Card>
      ) : sorted.length === 0 ? (
        <div data-testid="flows-empty">
          <Card>
            <EmptyState
              icon={<FlowIcon size={22} />}
              title="No flows yet"
              className="!py-8"
              action={
                <>
                  <Button variant="primary" icon={<PlusIcon />} onClick={() => setCreating(true)}>
                    Create your first flow
                  </Button>
                  <Button icon={<UploadIcon />} onClick={() => fileInput.current?.click()}>
                    Import a file
                  </Button>
                </>
              }
            >
              A flow takes records in through a trigger, passes each one through its steps, and ends it with a status. Start from a template below, from
              scratch, or drop an exported
              <code className="mx-1 rounded bg-slate-100 px-1 text-xs">.json</code> file anywhere on this page.
            </EmptyState>
          </Card>
          <h2 className="mt-8 mb-3 text-base font-semibold text-slate-900">Start from a template</h2>
          <TemplateGallery />
        </div>
      ) : (
        <Card>
          {/* Fixed layout: the columns keep their widths whatever a flow's name or description holds
              (long text is clamped, full on hover), so the schedule switch and the actions stay in reach. */}
          <DataTable
            testId="flow-table"
            className="w-full table-fixed text-sm"
            columns={[
              { label: 'Name', className: 'px-5 py-2.5' },
              { label: 'Nodes', className: 'w-24 px-3 py-2.5' },
              hasSchedules && { label: 'Schedule', className: 'w-56 px-3 py-2.5' },
              { label: 'Updated', className: 'w-32 px-3 py-2.5' },
              { label: <span className="sr-only">Actions</span>, className: 'w-48 px-3 py-2.5' },
            ]}
            rows={sorted}
            row={(f) => (
                <tr key={f.id} className="group hover:bg-slate-50/70" data-testid={`flow-row-${f.id}`} data-flow-name={f.name}>
                  <td className="px-5 py-3">
                    <Link to={`/flows/${encodeURIComponent(f.id)}`} className="flex min-w-0 items-center gap-3" data-testid="flow-open">
                      <span className="flex size-8 shrink-0 items-center justify-center rounded-lg bg-indigo-50 text-indigo-600 ring-1 ring-indigo-100">
                        <FlowIcon size={16} />
                      </span>
                      <span className="min-w-0 flex-1">
                        <span className="block truncate font-medium text-slate-900 group-hover:text-indigo-700" title={f.name} data-testid="flow-name">
                          {f.name}
                        </span>
                        <span className="line-clamp-2 text-xs break-words text-slate-500" title={f.description || f.id} data-testid="flow-description">
                          {f.description || f.id}
                        </span>
                      </span>
                    </Link>
                  </td>
                  <td className="px-3 py-3 text-slate-600 tabular-nums" data-testid="flow-node-count">
                    {plural(f.nodeCount ?? 0, 'node')}
                  </td>
                  {hasSchedules && (
                    <td className="px-3 py-3">
                      {scheduleOf.get(f.id) && (
                        <ScheduleCell
                          schedule={scheduleOf.get(f.id)!}
                          onChanged={(next) => schedules.setData((schedules.data ?? []).map((s) => (s.flowId === next.flowId ? next : s)))}
                        />
                      )}
                    </td>
                  )}
                  <td className="truncate px-3 py-3 text-slate-600" title={dateTime(f.updatedAt)}>
                    {timeAgo(f.updatedAt)}
                  </td>
                  <td className="px-3 py-3">
                    <div className="flex justify-end gap-0.5 opacity-70 group-hover:opacity-100">
                      <IconButton label="Rename" icon={<PencilIcon />} onClick={() => setRenaming(f)} data-testid="btn-rename" />
                      <IconButton label="Export" icon={<DownloadIcon />} onClick={() => downloadUrl(flowsApi.exportUrl(f.id))} data-testid="btn-export" />
                      <IconButton label="Delete" icon={<TrashIcon />} className="hover:!bg-rose-50 hover:!text-rose-600" onClick={() => setDeleting(f)} data-testid="btn-delete" />
                      <Link to={`/flows/${encodeURIComponent(f.id)}`} className="ml-1">
                        <Button size="sm">Open</Button>
                      </Link>
                    </div>
                  </td>
                </tr>
            )}
          />
        </Card>
      )}

      {dropping && (
        <div className="pointer-events-none fixed inset-0 z-40 flex items-center justify-center bg-indigo-600/10 backdrop-blur-[1px]" data-testid="drop-overlay">
          <div className="rounded-2xl border-2 border-dashed border-indigo-400 bg-white/95 px-10 py-8 text-center shadow-xl">
            <UploadIcon size={28} className="mx-auto text-indigo-600" />
            <p className="mt-3 font-medium text-slate-900">Drop the flow file to import it</p>
            <p className="text-sm text-slate-500">A .json file exported from Conveyor</p>
          </div>
        </div>
      )}

      <NewFlowDialog
        open={creating}
        onCancel={() => setCreating(false)}
        onCreate={async (name) => {
          try {
            const entry = await flowsApi.create(name);
            setCreating(false);
            navigate(`/flows/${encodeURIComponent(entry.id)}`);
          } catch (err) {
            toast.error('Could not create the flow', errorMessage(err));
          }
        }}
      />
      <PromptDialog
        open={!!renaming}
        title="Rename flow"
        label="Name"
        initial={renaming?.name ?? ''}
        confirmLabel="Rename"
        onCancel={() => setRenaming(null)}
        onSubmit={async (name) => {
          if (!renaming) return;
          try {
            await flowsApi.rename(renaming.id, name);
            setRenaming(null);
            flows.reload();
            toast.success('Flow renamed', `Now called "${name}".`);
          } catch (err) {
            toast.error('Could not rename the flow', errorMessage(err));
          }
        }}
      />
      <ConfirmDialog
        open={!!deleting}
        title="Delete this flow?"
        danger
        confirmLabel="Delete flow"
        onCancel={() => setDeleting(null)}
        onConfirm={async () => {
          if (!deleting) return;
          try {
            await flowsApi.remove(deleting.id);
            toast.success('Flow deleted', `"${deleting.name}" was deleted.`);
            flows.reload();
          } catch (err) {
            toast.error('Could not delete the flow', errorMessage(err));
          } finally {
            setDeleting(null);
          }
        }}
      >
        <strong className="font-medium text-slate-900">{deleting?.name}</strong> will be deleted. Its past runs stay in the run history. Export it first if you may need it again.
      </ConfirmDialog>
      <ErrorDialog
        title="This file cannot be imported"
        error={importError}
        onClose={() => setImportError(null)}
        testId="import-error"
        stepOf={(p) => problemStep(p, importNodes, useCatalog.getState().byType)}
      />
    </PageBody>
  );
}

/** A flow's schedule in the list: its on/off switch, what it is, and when it runs next. */
function ScheduleCell({ schedule, onChanged }: { schedule: ScheduleInfo; onChanged: (s: ScheduleInfo) => void }) {
  const [busy, setBusy] = useState(false);
  const on = schedule.enabled;
  const toggle = async () => {
    setBusy(true);
    try {
      const next = await schedulesApi.setEnabled(schedule.flowId, !on);
      onChanged(next);
      toast.success(next.enabled ? 'Schedule on' : 'Schedule off', next.enabled ? `"${schedule.flowName}" runs ${next.description}; next at ${dateTime(next.next[0])}.` : `"${schedule.flowName}" no longer runs by itself.`);
    } catch (err) {
      toast.error('Could not switch the schedule', errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="flex items-start gap-2.5" data-testid="flow-schedule" data-enabled={on}>
      <button
        type="button"
        role="switch"
        aria-checked={on}
        aria-label={on ? 'Switch the schedule off' : 'Switch the schedule on'}
        disabled={busy}
        onClick={() => void toggle()}
        data-testid="schedule-toggle"
        className={cn(
          'relative mt-0.5 inline-flex h-5 w-9 shrink-0 rounded-full transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500 disabled:opacity-60',
          on ? 'bg-indigo-600' : 'bg-slate-300',
        )}
      >
        <span className={cn('absolute top-0.5 left-0.5 size-4 rounded-full bg-white shadow transition-transform', on && 'translate-x-4')} />
      </button>
      <span className="min-w-0 text-xs leading-snug">
        <span className="block truncate font-medium text-slate-700" title={schedule.description} data-testid="schedule-description">
          {schedule.description}
        </span>
        {schedule.error ? (
          <span className="block break-words text-rose-600" title={schedule.error.hint} data-testid="schedule-error">
            {schedule.error.message}
          </span>
        ) : on ? (
          <span className="block text-slate-500" title={schedule.next[0]} data-testid="schedule-next">
            next {dateTime(schedule.next[0])}
          </span>
        ) : (
          <span className="block text-slate-400">off</span>
        )}
        {schedule.skipped > 0 && <span className="block text-amber-700">{plural(schedule.skipped, 'tick')} skipped (previous run still going)</span>}
      </span>
    </div>
  );
}
