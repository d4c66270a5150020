import { useEffect, useState } from 'react';
import { create } from 'zustand';
import { Link } from 'react-router';
import { runsApi } from '../api/endpoints.ts';
import { errorMessage } from '../api/http.ts';
import type { RecordData, RecordDetailResponse, RecordSummary, Step } from '../api/types.ts';
import { Button } from '../components/Button.tsx';
import { RecordStatusBadge } from '../components/Badge.tsx';
import { TextInput } from '../components/TextInput.tsx';
import { Spinner } from '../components/Spinner.tsx';
import { useAsync } from '../lib/use-async.ts';
import { dateTime } from '../lib/format.ts';
import { cn } from '../lib/cn.ts';
import { useCatalog } from '../stores/catalog-store.ts';
import { useFlowStore } from '../stores/flow-store.ts';
import { useLiveRun, useNodeCounters } from '../stores/live-run-store.ts';
import { useNodeNames } from '../pages/use-node-names.ts';
import { DataModeSwitch, DataView, type DataMode } from './DataView.tsx';
import { useLastRun } from './last-run-store.ts';
import { usePinnedSample, usePinnedSamples } from './pinned-sample.ts';
import { isRecordData, outputByPort, stepInput } from './step-data.ts';

/** At most this many records are read when searching (10 pages of the records list). */
const SEARCH_SCAN = 10_000;
const SEARCH_PAGE = 1000;
const MAX_HITS = 20;

/**
 * The record chosen in the Data tab stays chosen from one node to the next, so a person can follow
 * one record through the flow; so does the Table/JSON choice.
 */
const useDataChoice = create<{ runId: string | null; index: number; mode: DataMode; set(p: Partial<{ runId: string | null; index: number; mode: DataMode }>): void }>((set) => ({
  runId: null,
  index: 0,
  mode: 'table',
  set: (p) => set(p),
}));

/** The run the Data tab reads: the run attached to the editor (live), else the flow's last run. */
function useDataRun(): { runId: string; recordCount: number; live: boolean; createdAt: string | null } | null {
  const flowId = useFlowStore((s) => s.meta?.id ?? null);
  const liveId = useLiveRun((s) => (s.flowId === flowId ? s.runId : null));
  const liveCount = useLiveRun((s) => s.recordCount);
  const last = useLastRun((s) => (s.flowId === flowId ? s.run : null));
  if (liveId) return { runId: liveId, recordCount: liveCount, live: true, createdAt: null };
  if (last) return { runId: last.id, recordCount: last.recordCount, live: false, createdAt: last.createdAt };
  return null;
}

/** The inspector's Data tab: what this node received and produced for one record of a run. */
export function NodeDataPanel({ nodeId }: { nodeId: string }) {
  const run = useDataRun();
  if (!run) {
    return (
      <div className="px-4 py-6 text-sm text-slate-500" data-testid="node-data" data-state="no-run">
        <p className="font-medium text-slate-700">No run yet</p>
        <p className="mt-1">Run the flow once: then each node shows here what it received and produced, record by record.</p>
        <PinnedSampleNote />
      </div>
    );
  }
  return <RunData nodeId={nodeId} runId={run.runId} recordCount={run.recordCount} live={run.live} createdAt={run.createdAt} />;
}

function RunData({ nodeId, runId, recordCount, live, createdAt }: { nodeId: string; runId: string; recordCount: number; live: boolean; createdAt: string | null }) {
  const choice = useDataChoice();
  const index = choice.runId === runId ? choice.index : 0;
  const setIndex = (i: number) => choice.set({ runId, index: i });
  const [note, setNote] = useState<string | null>(null);
  const [finding, setFinding] = useState(false);
  // During a run, the record is read again as this node's counters move.
  const counters = useNodeCounters(nodeId);
  const lastVersion = useLastRun((s) => s.version);
  const reloadKey = live ? `${counters.success}|${counters.failed}|${counters.review}|${counters.inProgress}` : String(lastVersion);
  const detail = useAsync(() => runsApi.record(runId, index), [runId, index, reloadKey]);

  const firstFailed = async () => {
    setFinding(true);
    setNote(null);
    try {
      const page = await runsApi.records(runId, { status: 'failed', limit: 1 });
      if (page.items[0]) setIndex(page.items[0].index);
      else setNote('No record failed in this run.');
    } catch (err) {
      setNote(`Could not look for a failed record: ${errorMessage(err)}`);
    } finally {
      setFinding(false);
    }
  };

  return (
    <div className="space-y-3 px-4 py-4" data-testid="node-data" data-state="run" data-run-id={runId}>
      <p className="text-xs text-slate-500" data-testid="data-run-label">
        {live ? 'The run in progress' : `The last run${createdAt ? ` (${dateTime(createdAt)})` : ''}`} ·{' '}
        <Link to={`/runs/${encodeURIComponent(runId)}`} className="text-indigo-600 hover:underline">
          open the run
        </Link>
      </p>

      <div className="space-y-2">
        <div className="flex flex-wrap items-center gap-1.5">
          <Button size="sm" variant={index === 0 ? 'primary' : 'secondary'} onClick={() => { setNote(null); setIndex(0); }} data-testid="data-first">
            First
          </Button>
          <Button size="sm" onClick={() => void firstFailed()} loading={finding} data-testid="data-first-failed">
            First failed
          </Button>
          <label className="ml-auto flex items-center gap-1 text-xs text-slate-500">
            Record
            <IndexInput index={index} count={recordCount} onChange={(i) => { setNote(null); setIndex(i); }} />
            <span className="tabular-nums">of {recordCount}</span>
          </label>
        </div>
        <RecordSearch runId={runId} onPick={(i) => { setNote(null); setIndex(i); }} />
        {note && (
          <p className="rounded-md bg-slate-50 px-2 py-1 text-xs text-slate-600 ring-1 ring-slate-200" data-testid="data-note">
            {note}
          </p>
        )}
      </div>

      {detail.error ? (
        <p className="rounded-md bg-rose-50 px-2 py-1.5 text-xs text-rose-700 ring-1 ring-rose-200">Could not read record #{index + 1}: {errorMessage(detail.error)}</p>
      ) : !detail.data || detail.data.record.index !== index ? (
        <p className="flex items-center gap-2 text-xs text-slate-400">
          <Spinner className="!size-3" /> Reading record #{index + 1}…
        </p>
      ) : (
        <RecordAtNode nodeId={nodeId} runId={runId} detail={detail.data} mode={choice.mode} onMode={(mode) => choice.set({ mode })} />
      )}
    </div>
  );
}

/** The record number, 1-based as people count; applied on Enter or when the field is left. */
function IndexInput({ index, count, onChange }: { index: number; count: number; onChange(i: number): void }) {
  const [text, setText] = useState(String(index + 1));
  useEffect(() => setText(String(index + 1)), [index]);
  const apply = () => {
    const n = Math.round(Number(text));
    if (Number.isFinite(n) && n >= 1 && n <= Math.max(count, 1)) onChange(n - 1);
    else setText(String(index + 1));
  };
  return (
    <TextInput
      type="number"
      min={1}
      max={Math.max(count, 1)}
      value={text}
      onChange={(e) => setText(e.target.value)}
      onBlur={apply}
      onKeyDown={(e) => e.key === 'Enter' && apply()}
      className="!h-7 !w-16 !px-1.5 text-right text-xs tabular-nums"
      aria-label="Record number"
      data-testid="data-record-index"
    />
  );
}

/** Finds records whose field names or values contain the text (the first 10,000 records are searched). */
function RecordSearch({ runId, onPick }: { runId: string; onPick(index: number): void }) {
  const [q, setQ] = useState('');
  const [state, setState] = useState<{ status: 'idle' } | { status: 'searching' } | { status: 'done'; query: string; hits: RecordSummary[]; scanned: number; total: number } | { status: 'error'; message: string }>({ status: 'idle' });

  const search = async () => {
    const query = q.trim().toLowerCase();
    if (!query) return setState({ status: 'idle' });
    setState({ status: 'searching' });
    try {
      const hits: RecordSummary[] = [];
      let offset = 0;
      let total = 0;
      do {
        const page = await runsApi.records(runId, { offset, limit: SEARCH_PAGE });
        total = page.total;
        for (const r of page.items) if (hits.length < MAX_HITS && matches(r, query)) hits.push(r);
        offset += page.items.length;
        if (page.items.length === 0) break;
      } while (offset < total && offset < SEARCH_SCAN && hits.length < MAX_HITS);
      setState({ status: 'done', query: q.trim(), hits, scanned: offset, total });
      if (hits.length === 1) onPick(hits[0].index);
    } catch (err) {
      setState({ status: 'error', message: errorMessage(err) });
    }
  };

  return (
    <div className="space-y-1.5">
      <form
        className="flex gap-1.5"
        onSubmit={(e) => {
          e.preventDefault();
          void search();
        }}
      >
        <TextInput value={q} onChange={(e) => setQ(e.target.value)} placeholder="Find a record: a value or field name" className="!h-7 flex-1 text-xs" data-testid="data-search" aria-label="Find a record" />
        <Button size="sm" type="submit" loading={state.status === 'searching'} data-testid="data-search-go">
          Find
        </Button>
      </form>
      {state.status === 'error' && <p className="text-xs text-rose-600">Could not search: {state.message}</p>}
      {state.status === 'done' && (
        <div data-testid="data-search-results" data-count={state.hits.length}>
          {state.hits.length === 0 ? (
            <p className="text-xs text-slate-500">
              No record has “{state.query}”{state.scanned < state.total ? ` in its first ${state.scanned}` : ''}.
            </p>
          ) : (
            <ul className="scrollbar-thin max-h-40 space-y-0.5 overflow-y-auto">
              {state.hits.map((r) => (
                <li key={r.index}>
                  <button
                    type="button"
                    onClick={() => onPick(r.index)}
                    className="flex w-full items-center gap-2 rounded px-1.5 py-1 text-left text-xs hover:bg-slate-100"
                    data-testid={`data-search-hit-${r.index}`}
                  >
                    <span className="w-10 shrink-0 text-slate-400 tabular-nums">#{r.index + 1}</span>
                    <span className="min-w-0 flex-1 truncate text-slate-700">{preview(r.data)}</span>
                    <RecordStatusBadge status={r.status} />
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}

function matches(r: RecordSummary, query: string): boolean {
  const text = (v: unknown) => JSON.stringify(v ?? null).toLowerCase();
  return text(r.data).includes(query) || (r.output != null && text(r.output).includes(query));
}

function preview(data: unknown): string {
  if (!isRecordData(data)) return JSON.stringify(data);
  return Object.entries(data)
    .slice(0, 4)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ');
}

/** What one record brought to this node and what the node made of it (every execution: attempts, fan-out). */
function RecordAtNode({ nodeId, runId, detail, mode, onMode }: { nodeId: string; runId: string; detail: RecordDetailResponse; mode: DataMode; onMode(m: DataMode): void }) {
  const { record, steps } = detail;
  const here = steps.filter((s) => s.nodeId === nodeId);
  const [pick, setPick] = useState<number | null>(null);
  const step = here.find((s) => s.seq === pick) ?? here[here.length - 1];
  const nodes = useFlowStore((s) => s.nodes);
  const names = useNodeNames(nodes);

  return (
    <div className="space-y-3" data-testid="data-record" data-index={record.index} data-status={record.status}>
      <div className="flex items-center gap-2">
        <span className="text-sm font-semibold text-slate-800">Record #{record.index + 1}</span>
        <RecordStatusBadge status={record.status} data-testid="data-record-status" />
        <span className="ml-auto">
          <DataModeSwitch mode={mode} onChange={onMode} />
        </span>
      </div>

      {!step ? (
        <div className="space-y-2">
          <p className="rounded-md bg-slate-50 px-2 py-1.5 text-xs text-slate-600 ring-1 ring-slate-200" data-testid="data-not-reached">
            This record did not reach this step
            {record.error?.nodeId ? ` (it stopped at “${names[record.error.nodeId] ?? 'another step'}”: ${record.error.message})` : record.status === 'pending' || record.status === 'running' ? ' yet' : ''}.
          </p>
          <Block title="The record's data" testId="data-record-data" value={record.data} mode={mode} />
          <PinButtons runId={runId} index={record.index} record={record.data} atStep={null} stepName={null} />
        </div>
      ) : (
        <StepData step={step} steps={steps} recordData={record.data} nodeId={nodeId} mode={mode} runId={runId} index={record.index} stepName={names[nodeId] ?? 'this step'} executions={here} onPick={setPick} names={names} />
      )}
    </div>
  );
}

function StepData({
  step,
  steps,
  recordData,
  nodeId,
  mode,
  runId,
  index,
  stepName,
  executions,
  onPick,
  names,
}: {
  step: Step;
  steps: Step[];
  recordData: unknown;
  nodeId: string;
  mode: DataMode;
  runId: string;
  index: number;
  stepName: string;
  executions: Step[];
  onPick(seq: number): void;
  names: Record<string, string>;
}) {
  const info = useCatalog((s) => s.byType[step.nodeType]);
  const node = useFlowStore((s) => s.nodes.find((n) => n.id === nodeId));
  const input = stepInput(step, steps, recordData);
  const ports = outputByPort(step);
  const label = (port: string) => {
    if (port === info?.errorPort.id) return info.errorPort.label;
    const dyn = info?.dynamicOutputs;
    const fromParams = dyn && node ? ((node.data.params[dyn.param] as Array<Record<string, unknown>> | undefined) ?? []).find((r) => r[dyn.idField] === port) : undefined;
    return (fromParams && dyn?.labelField ? String(fromParams[dyn.labelField] ?? port) : undefined) ?? info?.outputs.find((p) => p.id === port)?.label ?? port;
  };
  const fromName = input.from != null ? steps.find((s) => s.seq === input.from)?.nodeId : undefined;
  return (
    <div className="space-y-3" data-testid="data-step" data-seq={step.seq} data-status={step.status}>
      {executions.length > 1 && (
        <div className="flex flex-wrap gap-1" data-testid="data-executions">
          {executions.map((s, i) => (
            <button
              key={s.seq}
              type="button"
              onClick={() => onPick(s.seq)}
              className={cn('rounded px-1.5 py-0.5 text-[11px] ring-1', s.seq === step.seq ? 'bg-indigo-50 text-indigo-700 ring-indigo-200' : 'text-slate-500 ring-slate-200 hover:bg-slate-50')}
            >
              {i + 1}
              {s.attempt > 1 ? ` · attempt ${s.attempt}` : ''}
              {s.status === 'failed' ? ' · failed' : ''}
            </button>
          ))}
        </div>
      )}
      <Block
        title="Input"
        caption={input.from != null ? `from “${fromName ? names[fromName] ?? 'the step before' : 'the step before'}”` : step.input != null ? undefined : "the record's data"}
        testId="data-input"
        value={input.value}
        mode={mode}
      />
      {step.error && (
        <div className="rounded-md bg-rose-50 p-2 text-xs ring-1 ring-rose-200" data-testid="data-error">
          <p className="font-medium text-rose-800">{step.error.message}</p>
          {step.error.hint && <p className="mt-0.5 text-rose-700">{step.error.hint}</p>}
          <p className="mt-0.5 font-mono text-[10px] text-rose-500">{step.error.code}</p>
        </div>
      )}
      {ports.length === 0 && !step.error && <p className="text-xs text-slate-500">This step sent nothing on.</p>}
      {ports.map((p) => (
        <Block
          key={p.port}
          title={ports.length > 1 || p.port !== 'out' ? `Output · ${label(p.port)}` : 'Output'}
          caption={p.items.length > 1 ? `${p.items.length} items` : undefined}
          testId={`data-output-${p.port}`}
          value={p.items.length === 1 ? p.items[0] : p.items}
          mode={mode}
        />
      ))}
      <PinButtons runId={runId} index={index} record={recordData} atStep={isRecordData(input.value) ? input.value : null} stepName={stepName} />
    </div>
  );
}

function Block({ title, caption, testId, value, mode }: { title: string; caption?: string; testId: string; value: unknown; mode: DataMode }) {
  return (
    <section>
      <h4 className="mb-1 text-[11px] font-semibold tracking-wide text-slate-400 uppercase">
        {title} {caption && <span className="font-normal tracking-normal normal-case">· {caption}</span>}
      </h4>
      <DataView value={value} mode={mode} testId={testId} />
    </section>
  );
}

/** Pin the record, or its data as it reached this step, as the flow's sample for building. */
function PinButtons({ runId, index, record, atStep, stepName }: { runId: string; index: number; record: unknown; atStep: Record<string, unknown> | null; stepName: string | null }) {
  const flowId = useFlowStore((s) => s.meta?.id ?? null);
  const pin = usePinnedSamples((s) => s.pin);
  if (!flowId) return null;
  return (
    <div className="space-y-1.5 border-t border-slate-100 pt-3">
      <div className="flex flex-wrap gap-1.5">
        {atStep && stepName && (
          <Button size="sm" onClick={() => pin(flowId, atStep as RecordData, `record #${index + 1} of run ${runId}, as it reached “${stepName}”`)} data-testid="btn-pin-input" title="Expression previews and field completion use it first">
            Pin input as sample
          </Button>
        )}
        {isRecordData(record) && (
          <Button size="sm" onClick={() => pin(flowId, record as RecordData, `record #${index + 1} of run ${runId}`)} data-testid="btn-pin-record" title="Expression previews and field completion use it first">
            Pin record as sample
          </Button>
        )}
      </div>
      <PinnedSampleNote />
    </div>
  );
}

/** Which sample is pinned for this flow, with Unpin. */
function PinnedSampleNote() {
  const flowId = useFlowStore((s) => s.meta?.id ?? null);
  const pinned = usePinnedSample(flowId);
  const unpin = usePinnedSamples((s) => s.unpin);
  if (!flowId || !pinned) return null;
  return (
    <p className="mt-2 flex items-start gap-2 rounded-md bg-violet-50 px-2 py-1.5 text-xs text-violet-800 ring-1 ring-violet-200" data-testid="pinned-sample">
      <span className="min-w-0 flex-1">
        Pinned sample: <span data-testid="pinned-sample-label">{pinned.label}</span>. Expression previews use it first (kept in this browser, not in the flow file).
      </span>
      <button type="button" className="shrink-0 font-medium text-violet-700 hover:underline" onClick={() => unpin(flowId)} data-testid="btn-unpin-sample">
        Unpin
      </button>
    </p>
  );
}
