import { runsApi } from '../api/endpoints.ts';
import { errorMessage } from '../api/http.ts';
import { Dialog } from '../components/Dialog.tsx';
import { ErrorState } from '../components/EmptyState.tsx';
import { LoadingState } from '../components/Spinner.tsx';
import { Badge, RecordStatusBadge } from '../components/Badge.tsx';
import { dateTime, duration } from '../lib/format.ts';
import { useAsync } from '../lib/use-async.ts';
import type { Tone } from '../lib/run-status.ts';
import { JsonBlock } from './JsonBlock.tsx';
import { outputByPort } from '../data/step-data.ts';
import { RecordInRunBadge } from './RecordInRunBadge.tsx';
import { useLiveRun } from '../stores/live-run-store.ts';
import type { DamagedEvidence, RecordEvent, RecordStatus, Step } from '../api/types.ts';
import { MailActivity } from '../tracking/MailActivity.tsx';

/** One record of a run: its data, result, error, and every step it went through. */
export function RecordDetail({ runId, index, nodeNames, onClose }: { runId: string; index: number | null; nodeNames: Record<string, string>; onClose(): void }) {
  return (
    <Dialog open={index !== null} onClose={onClose} title={index === null ? 'Record' : `Record #${index + 1}`} description="Every step this record went through, with what went in and out." size="xl" testId="record-detail">
      {index !== null && <RecordDetailBody runId={runId} index={index} nodeNames={nodeNames} />}
    </Dialog>
  );
}

function RecordDetailBody({ runId, index, nodeNames }: { runId: string; index: number; nodeNames: Record<string, string> }) {
  const res = useAsync(() => runsApi.record(runId, index), [runId, index]);
  const runStatus = useLiveRun((s) => (s.runId === runId ? s.status : null));
  if (res.loading && !res.data) return <LoadingState label="Loading steps…" />;
  if (res.error || !res.data) return <ErrorState title="Could not load this record" message={errorMessage(res.error)} onRetry={res.reload} />;
  const { record, steps, events, damagedEvidence } = res.data;
  return (
    <div className="scrollbar-thin max-h-[65vh] space-y-4 overflow-y-auto pr-1">
      <div className="flex flex-wrap items-center gap-3 text-sm">
        <RecordInRunBadge status={record.status} runStatus={runStatus} data-testid="record-detail-status" />
        {record.reason && <span className="text-slate-600">Reason: {record.reason}</span>}
        <span className="text-slate-500">Started {dateTime(record.startedAt)}</span>
      </div>
      {record.error && (
        <div className="rounded-lg bg-rose-50 p-3 text-sm ring-1 ring-rose-200" data-testid="record-detail-error">
          <p className="font-medium text-rose-800">
            {record.error.message} <span className="font-mono text-xs text-rose-500">{record.error.code}</span>
          </p>
          {record.error.hint && <p className="mt-0.5 text-rose-700">{record.error.hint}</p>}
          {record.error.nodeId && <p className="mt-0.5 text-xs text-rose-600">At node {nodeNames[record.error.nodeId] ?? record.error.nodeId}</p>}
        </div>
      )}
      <div className="grid grid-cols-2 gap-3">
        <div>
          <h4 className="mb-1 text-xs font-semibold tracking-wide text-slate-400 uppercase">Input</h4>
          <JsonBlock value={record.data} />
        </div>
        <div>
          <h4 className="mb-1 text-xs font-semibold tracking-wide text-slate-400 uppercase">Result</h4>
          <JsonBlock value={record.output} />
        </div>
      </div>
      <div>
        <h4 className="mb-2 text-xs font-semibold tracking-wide text-slate-400 uppercase">Steps ({steps.length})</h4>
        <StepList steps={steps} recordData={record.data} nodeNames={nodeNames} damagedEvidence={damagedEvidence} />
      </div>
      <MailActivity runId={runId} index={index} nodeNames={nodeNames} />
      {events && events.length > 0 && (
        <div>
          <h4 className="mb-2 text-xs font-semibold tracking-wide text-slate-400 uppercase">Audit trail ({events.length})</h4>
          <AuditTrail events={events} />
        </div>
      )}
    </div>
  );
}

/** Every step execution of a record, in order; each opens to its input, output and error. */
export function StepList({
  steps,
  recordData,
  nodeNames,
  damagedEvidence = [],
}: {
  steps: Step[];
  recordData: unknown;
  nodeNames: Record<string, string>;
  /** Evidence the server cannot serve whole (RecordDetailResponse.damagedEvidence): shown as such, not linked. */
  damagedEvidence?: DamagedEvidence[];
}) {
  const damaged = new Map(damagedEvidence.map((d) => [d.ref, d]));
  if (steps.length === 0) return <p className="text-sm text-slate-500">No step ran for this record yet.</p>;
  return (
    <ol className="space-y-2" data-testid="record-steps">
      {steps.map((s) => (
        <StepItem key={`${s.seq}-${s.attempt}`} step={s} name={nodeNames[s.nodeId] ?? s.nodeId} input={stepInput(s, steps, recordData)} damaged={damaged} />
      ))}
    </ol>
  );
}

/** Tone of an operator's action. */
const ACTION_TONE: Record<string, Tone> = { retry: 'blue', resolve: 'green', skip: 'slate' };

/** The record's audit trail: each status change, who made it (the engine or a person) and their note. */
export function AuditTrail({ events }: { events: RecordEvent[] }) {
  return (
    <ol className="relative ml-1.5 border-l border-slate-200 pl-4" data-testid="record-events">
      {events.map((e, i) => (
        <li key={i} className="relative pb-3 last:pb-0" data-testid="record-event" data-action={e.action} data-actor={e.actor}>
          <span
            className={`absolute top-1.5 -left-[22px] size-2.5 rounded-full ring-2 ring-white ${e.actor === 'operator' ? 'bg-indigo-500' : 'bg-slate-300'}`}
            aria-hidden="true"
          />
          <div className="flex flex-wrap items-center gap-x-2 gap-y-1 text-sm">
            <span className="font-medium text-slate-800 capitalize">{e.action}</span>
            {(e.from || e.to) && (
              <span className="flex items-center gap-1 text-xs text-slate-500">
                {e.from ? <RecordStatusBadge status={e.from as RecordStatus} /> : <span className="text-slate-400">new</span>}
                <span aria-hidden="true">→</span>
                <span className="sr-only">to</span>
                {e.to ? <RecordStatusBadge status={e.to as RecordStatus} /> : <span className="text-slate-400">—</span>}
              </span>
            )}
            <Badge tone={e.actor === 'operator' ? ACTION_TONE[e.action] ?? 'violet' : 'neutral'} className="!px-1.5 !text-[10px]">
              {e.actor === 'operator' ? 'by a person' : 'engine'}
            </Badge>
            <span className="ml-auto text-xs text-slate-400 tabular-nums">{dateTime(e.at)}</span>
          </div>
          {e.note && (
            <p className="mt-1 rounded-md bg-slate-50 px-2 py-1 text-sm text-slate-700 ring-1 ring-slate-200" data-testid="record-event-note">
              {e.note}
            </p>
          )}
          {e.data != null && (
            <details className="mt-1">
              <summary className="cursor-pointer text-xs text-slate-500 hover:text-slate-700">Data given</summary>
              <JsonBlock value={e.data} className="mt-1" />
            </details>
          )}
        </li>
      ))}
    </ol>
  );
}

/** A step's input; the store keeps it only when it differs from the output of the step before. */
function stepInput(step: Step, steps: Step[], recordData: unknown): { value: unknown; note?: string } {
  if (step.input !== null && step.input !== undefined) return { value: step.input };
  const from = (step as Step & { inputFrom?: number | null }).inputFrom;
  const prev = from == null ? undefined : steps.find((s) => s.seq === from);
  // No earlier step (inputFrom 0 or null): the step got the record's own data.
  if (!prev) return { value: recordData, note: "The record's data" };
  const emissions = Array.isArray(prev.output) ? (prev.output as Array<{ port: string; data: unknown }>) : [];
  if (emissions.length === 1) return { value: emissions[0].data, note: `Output of step ${from}` };
  return { value: emissions.map((e) => e.data), note: `Output of step ${from}` };
}

function StepItem({ step, name, input, damaged }: { step: Step; name: string; input: { value: unknown; note?: string }; damaged: ReadonlyMap<string, DamagedEvidence> }) {
  const ports = outputByPort(step);
  return (
    <li className="rounded-lg ring-1 ring-slate-200" data-testid={`step-${step.seq}`}>
      <details>
        <summary className="flex cursor-pointer items-center gap-3 px-3 py-2 text-sm hover:bg-slate-50">
          <span className="w-6 text-xs text-slate-400 tabular-nums">{step.seq}</span>
          <span className="font-medium text-slate-800">{name}</span>
          {step.attempt > 1 && <Badge tone="amber">attempt {step.attempt}</Badge>}
          {ports.length > 0 && <span className="text-xs text-slate-500">→ {ports.map((p) => p.port).join(', ')}</span>}
          <span className="ml-auto flex items-center gap-2">
            <span className="text-xs text-slate-400 tabular-nums">{duration(step.durationMs)}</span>
            <Badge tone={step.status === 'success' ? 'green' : 'red'} dot>
              {step.status}
            </Badge>
          </span>
        </summary>
        <div className="grid grid-cols-2 gap-3 border-t border-slate-100 p-3">
          <div>
            <h5 className="mb-1 text-[11px] font-semibold text-slate-400 uppercase">
              Input {input.note && <span className="font-normal normal-case">· {input.note}</span>}
            </h5>
            <JsonBlock value={input.value} />
          </div>
          <div data-testid="record-step-output">
            {ports.length === 0 ? (
              <>
                <h5 className="mb-1 text-[11px] font-semibold text-slate-400 uppercase">Output</h5>
                {step.output == null || (Array.isArray(step.output) && step.output.length === 0) ? <p className="text-xs text-slate-500">Nothing sent on.</p> : <JsonBlock value={step.output} />}
              </>
            ) : (
              // Per port, the data it sent on (never the store's internal [{ port, data }] list).
              ports.map((p) => (
                <div key={p.port} className="mb-2 last:mb-0" data-testid={`record-step-output-${p.port}`}>
                  <h5 className="mb-1 text-[11px] font-semibold text-slate-400 uppercase">
                    Output <span className="font-normal normal-case">· port {p.port}{p.items.length > 1 ? ` · ${p.items.length} items` : ''}</span>
                  </h5>
                  <JsonBlock value={p.items.length === 1 ? p.items[0] : p.items} />
                </div>
              ))
            )}
          </div>
          {step.evidence?.length > 0 && (
            <div className="col-span-2" data-testid="step-evidence">
              <h5 className="mb-1 text-[11px] font-semibold text-slate-400 uppercase">Evidence</h5>
              <ul className="flex flex-wrap gap-1.5">
                {step.evidence.map((ref) => {
                  const url = `/api/evidence/${ref.split('/').map(encodeURIComponent).join('/')}`;
                  const name = ref.split('/').pop() ?? ref;
                  const bad = damaged.get(ref);
                  if (bad) {
                    return (
                      <li key={ref}>
                        <span
                          className="inline-flex flex-col items-start gap-0.5 rounded-md bg-rose-50 p-1 px-2 font-mono text-[11px] text-rose-700 ring-1 ring-rose-200"
                          title={bad.message}
                          data-testid="evidence-damaged"
                          data-state={bad.state}
                        >
                          <span>{name}</span>
                          <span className="font-sans">{bad.state === 'lost' ? 'moved aside by store repair' : bad.state === 'missing' ? 'missing' : 'damaged: not shown'}</span>
                        </span>
                      </li>
                    );
                  }
                  return (
                    <li key={ref}>
                      <a
                        href={url}
                        target="_blank"
                        rel="noreferrer"
                        className="inline-flex flex-col items-center gap-1 rounded-md bg-slate-50 p-1 font-mono text-[11px] text-slate-600 ring-1 ring-slate-200 hover:ring-indigo-300"
                        title={ref}
                        data-testid="evidence-link"
                      >
                        {/\.(png|jpe?g|webp)$/i.test(name) && <img src={url} alt={`Evidence ${name}`} className="max-h-32 max-w-56 rounded border border-slate-200 object-contain" loading="lazy" />}
                        <span className="px-1">{name}</span>
                      </a>
                    </li>
                  );
                })}
              </ul>
            </div>
          )}
          {step.error && (
            <div className="col-span-2 rounded-md bg-rose-50 p-2 text-sm ring-1 ring-rose-200">
              <span className="font-medium text-rose-800">{step.error.message}</span> <span className="font-mono text-xs text-rose-500">{step.error.code}</span>
              {step.error.hint && <p className="text-rose-700">{step.error.hint}</p>}
            </div>
          )}
        </div>
      </details>
    </li>
  );
}
