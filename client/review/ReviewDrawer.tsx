import { useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { runsApi } from '../api/endpoints.ts';
import { errorMessage } from '../api/http.ts';
import type { RecordData, ReviewActionKind, ReviewItem } from '../api/types.ts';
import { RecordStatusBadge } from '../components/Badge.tsx';
import { Button } from '../components/Button.tsx';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { ErrorState } from '../components/EmptyState.tsx';
import { LoadingState } from '../components/Spinner.tsx';
import { TextArea } from '../components/TextInput.tsx';
import { dateTime } from '../lib/format.ts';
import { useAsync } from '../lib/use-async.ts';
import { reviewActionsFor } from '../lib/run-status.ts';
import { useNodeNames } from '../pages/use-node-names.ts';
import { AuditTrail, StepList } from '../run/RecordDetail.tsx';
import { JsonBlock } from '../run/JsonBlock.tsx';
import { Drawer, DrawerBody, DrawerFooter } from './Drawer.tsx';
import { ResolveDialog } from './NoteDialog.tsx';
import { RETRY_REPEATS, runReviewAction } from './review-actions.ts';
import { ExternalIcon, ResolveIcon, RetryIcon, SkipIcon } from './icons.tsx';


/** One record of the queue: its data (editable for a retry), error, steps and audit trail, and the actions. */
export function ReviewDrawer({ item, onClose, onChanged }: { item: ReviewItem | null; onClose(): void; onChanged(): void }) {
  return (
    <Drawer
      open={!!item}
      onClose={onClose}
      testId="review-drawer"
      title={item ? <>Record #{item.index + 1}</> : 'Record'}
      subtitle={
        item && (
          <span className="flex flex-wrap items-center gap-x-2">
            <span className="font-medium text-slate-700">{item.flowName}</span>
            <span aria-hidden="true">·</span>
            <Link to={`/runs/${encodeURIComponent(item.runId)}`} className="inline-flex items-center gap-1 font-mono text-xs text-indigo-600 hover:underline" data-testid="drawer-run-link">
              {item.runId}
              <ExternalIcon size={12} />
            </Link>
          </span>
        )
      }
    >
      {item && <ReviewDrawerBody key={`${item.runId}#${item.index}`} item={item} onChanged={onChanged} />}
    </Drawer>
  );
}

function ReviewDrawerBody({ item, onChanged }: { item: ReviewItem; onChanged(): void }) {
  const detail = useAsync(() => runsApi.record(item.runId, item.index), [item.runId, item.index]);
  const run = useAsync(() => runsApi.get(item.runId), [item.runId]);
  const nodeNames = useNodeNames(run.data?.flow?.nodes ?? []);
  const record = detail.data?.record ?? item;
  const original = useMemo(() => JSON.stringify(record.data ?? {}, null, 2), [record.data]);
  const [text, setText] = useState(original);
  const [busy, setBusy] = useState<ReviewActionKind | null>(null);
  const [resolving, setResolving] = useState(false);
  // The server's refusal of a retry that would run steps that change things outside Conveyor again.
  const [repeats, setRepeats] = useState<{ message: string; data?: RecordData } | null>(null);
  useEffect(() => setText(original), [original]);

  const parsed = useMemo((): { ok: true; value: RecordData } | { ok: false; message: string } => {
    try {
      const v = JSON.parse(text);
      if (!v || typeof v !== 'object' || Array.isArray(v)) return { ok: false, message: 'The data must be one JSON object, like {"email": "…"}.' };
      return { ok: true, value: v as RecordData };
    } catch (e) {
      return { ok: false, message: `Not valid JSON: ${(e as Error).message}` };
    }
  }, [text]);
  const edited = text !== original && !(parsed.ok && JSON.stringify(parsed.value) === JSON.stringify(record.data ?? {}));
  // What its status offers (the contract's record state machine): nothing once it left the queue.
  const offers = reviewActionsFor(record.status);
  const actionable = offers.length > 0;

  const act = async (action: ReviewActionKind, extra: { note?: string; data?: RecordData; restart?: boolean } = {}) => {
    setBusy(action);
    try {
      const results = await runReviewAction(action, [{ runId: item.runId, index: item.index }], extra, [RETRY_REPEATS]);
      const refused = results?.[0]?.error;
      if (typeof refused === 'object' && refused?.code === RETRY_REPEATS) {
        setRepeats({ message: refused.message ?? '', data: extra.data });
        return results;
      }
      if (results) {
        detail.reload();
        onChanged();
      }
      return results;
    } finally {
      setBusy(null);
    }
  };

  if (detail.loading && !detail.data) return <LoadingState label="Loading the record…" />;
  if (detail.error && !detail.data)
    return (
      <DrawerBody>
        <ErrorState title="Could not load this record" message={errorMessage(detail.error)} onRetry={detail.reload} />
      </DrawerBody>
    );
  const { steps = [], events, damagedEvidence } = detail.data ?? { steps: [] };
  const error = record.error;

  return (
    <>
      <DrawerBody>
        <div className="space-y-5" data-testid="review-detail" data-status={record.status}>
          <div className="flex flex-wrap items-center gap-3 text-sm">
            <RecordStatusBadge status={record.status} data-testid="review-detail-status" />
            <span className="text-slate-500">Ended {dateTime(record.endedAt)}</span>
          </div>

          {error ? (
            <div className="rounded-lg bg-rose-50 p-3 text-sm ring-1 ring-rose-200" data-testid="review-detail-error">
              <p className="font-medium text-rose-800">
                {error.message} <span className="font-mono text-xs text-rose-500">{error.code}</span>
              </p>
              {error.hint && <p className="mt-0.5 text-rose-700">{error.hint}</p>}
              {error.nodeId && <p className="mt-0.5 text-xs text-rose-600">At step “{nodeNames[error.nodeId] ?? error.nodeId}”</p>}
            </div>
          ) : record.reason ? (
            <div className="rounded-lg bg-amber-50 p-3 text-sm text-amber-900 ring-1 ring-amber-200" data-testid="review-detail-reason">
              {record.reason}
            </div>
          ) : null}

          <section>
            <div className="mb-1.5 flex items-baseline justify-between gap-2">
              <h4 className="text-xs font-semibold tracking-wide text-slate-400 uppercase">Data</h4>
              {edited ? (
                <button type="button" className="text-xs font-medium text-indigo-600 hover:underline" onClick={() => setText(original)} data-testid="btn-reset-data">
                  Undo my changes
                </button>
              ) : (
                actionable && <span className="text-xs text-slate-400">Correct it here, then retry.</span>
              )}
            </div>
            <TextArea
              rows={Math.min(14, Math.max(4, text.split('\n').length))}
              spellCheck={false}
              className="font-mono text-xs leading-relaxed"
              value={text}
              readOnly={!actionable}
              invalid={!parsed.ok}
              onChange={(e) => setText(e.target.value)}
              data-testid="review-data"
            />
            {!parsed.ok && (
              <p className="mt-1 text-xs text-rose-600" data-testid="review-data-problem">
                {parsed.message}
              </p>
            )}
            {edited && parsed.ok && (
              <p className="mt-1 text-xs text-slate-500">
                Retry runs the step that failed again with the fields you changed; what earlier steps added is kept. A record no step failed (an End step sent it here) runs again from the start.
              </p>
            )}
          </section>

          {record.output != null && (
            <section>
              <h4 className="mb-1.5 text-xs font-semibold tracking-wide text-slate-400 uppercase">Last result</h4>
              <JsonBlock value={record.output} />
            </section>
          )}

          <section>
            <h4 className="mb-2 text-xs font-semibold tracking-wide text-slate-400 uppercase">Steps ({steps.length})</h4>
            <StepList steps={steps} recordData={record.data} nodeNames={nodeNames} damagedEvidence={damagedEvidence} />
          </section>

          <section>
            <h4 className="mb-2 text-xs font-semibold tracking-wide text-slate-400 uppercase">Audit trail{events ? ` (${events.length})` : ''}</h4>
            {events && events.length ? <AuditTrail events={events} /> : <p className="text-sm text-slate-500">Nothing recorded yet.</p>}
          </section>
        </div>
      </DrawerBody>
      <DrawerFooter>
        {actionable ? (
          <>
            {offers.includes('retry') && (
              <Button
                variant="primary"
                size="sm"
                icon={<RetryIcon size={14} />}
                loading={busy === 'retry'}
                disabled={!!busy || (edited && !parsed.ok)}
                onClick={() => void act('retry', edited && parsed.ok ? { data: parsed.value } : {})}
                data-testid="btn-drawer-retry"
              >
                {edited ? 'Retry with corrected data' : 'Retry'}
              </Button>
            )}
            {offers.includes('skip') && (
              <Button size="sm" icon={<SkipIcon size={14} />} loading={busy === 'skip'} disabled={!!busy} onClick={() => void act('skip')} data-testid="btn-drawer-skip">
                Skip
              </Button>
            )}
            {offers.includes('resolve') && (
              <Button size="sm" icon={<ResolveIcon size={14} />} disabled={!!busy} onClick={() => setResolving(true)} data-testid="btn-drawer-resolve">
                Resolve…
              </Button>
            )}
          </>
        ) : (
          <p className="text-sm text-slate-500" data-testid="review-detail-done">
            This record is no longer waiting for review.
          </p>
        )}
        <Link to={`/runs/${encodeURIComponent(item.runId)}`} className="ml-auto text-sm font-medium text-indigo-600 hover:underline">
          Open the run
        </Link>
      </DrawerFooter>

      <ConfirmDialog
        open={!!repeats}
        title={`Run record #${item.index + 1} again from the start?`}
        confirmLabel="Run again from the start"
        danger
        onCancel={() => setRepeats(null)}
        onConfirm={async () => {
          const data = repeats?.data;
          setRepeats(null);
          await act('retry', { ...(data ? { data } : {}), restart: true });
        }}
      >
        <p data-testid="retry-repeats-message">{repeats?.message}</p>
        <p className="mt-2 text-slate-500">Resolve or skip it instead if those steps must not run twice.</p>
      </ConfirmDialog>

      <ResolveDialog
        open={resolving}
        count={1}
        onCancel={() => setResolving(false)}
        onSubmit={async (note) => {
          const results = await act('resolve', { note });
          if (results) setResolving(false);
        }}
      />
    </>
  );
}
