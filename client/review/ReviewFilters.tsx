import { useEffect, useState } from 'react';
import type { FlowSummary, ReviewStatus } from '../api/types.ts';
import { Button } from '../components/Button.tsx';
import { Select, TextInput } from '../components/TextInput.tsx';
import { XIcon } from '../components/icons.tsx';
import { REVIEW_STATUSES, statusLabel } from '../lib/run-status.ts';

export interface ReviewFilterValues {
  flowId: string;
  runId: string;
  code: string;
  /** The step the records' errors happened at: set by a node's review counter on the canvas (a link). */
  nodeId: string;
  status: ReviewStatus | '';
}

export const NO_FILTERS: ReviewFilterValues = { flowId: '', runId: '', code: '', nodeId: '', status: '' };

export function hasFilters(f: ReviewFilterValues): boolean {
  return !!(f.flowId || f.runId || f.code || f.nodeId || f.status);
}

/** Text typed in a filter box applies after a short pause (not on every key). */
function useDebounced(value: string, apply: (v: string) => void, ms = 350) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (text === value) return;
    const t = setTimeout(() => apply(text.trim()), ms);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text]);
  return [text, setText] as const;
}

export function ReviewFilters({
  value,
  flows,
  stepNames,
  onChange,
}: {
  value: ReviewFilterValues;
  flows: FlowSummary[];
  /** run id → node id → the step's name, for the Step filter (`useStepNames`). */
  stepNames: Record<string, Record<string, string>>;
  onChange(next: ReviewFilterValues): void;
}) {
  const [runText, setRunText] = useDebounced(value.runId, (runId) => onChange({ ...value, runId }));
  const [codeText, setCodeText] = useDebounced(value.code, (code) => onChange({ ...value, code }));
  const flowKnown = !value.flowId || flows.some((f) => f.id === value.flowId);
  return (
    <div className="flex flex-wrap items-end gap-3 border-b border-slate-200 bg-slate-50/60 px-5 py-3" data-testid="review-filters">
      <label className="block space-y-1">
        <span className="text-xs font-medium text-slate-500">Flow</span>
        <Select className="!h-8 !w-52 !py-0" value={value.flowId} onChange={(e) => onChange({ ...value, flowId: e.target.value })} data-testid="filter-flow">
          <option value="">All flows</option>
          {!flowKnown && <option value={value.flowId}>{value.flowId}</option>}
          {flows.map((f) => (
            <option key={f.id} value={f.id}>
              {f.name}
            </option>
          ))}
        </Select>
      </label>
      <label className="block space-y-1">
        <span className="text-xs font-medium text-slate-500">Run</span>
        <TextInput
          className="!h-8 !w-60 font-mono"
          placeholder="run id"
          value={runText}
          onChange={(e) => setRunText(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && onChange({ ...value, runId: runText.trim() })}
          data-testid="filter-run"
        />
      </label>
      <label className="block space-y-1">
        <span className="text-xs font-medium text-slate-500">Error code</span>
        <TextInput
          className="!h-8 !w-48 font-mono"
          placeholder="E_…"
          value={codeText}
          onChange={(e) => setCodeText(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && onChange({ ...value, code: codeText.trim() })}
          data-testid="filter-code"
        />
      </label>
      <label className="block space-y-1">
        <span className="text-xs font-medium text-slate-500">Status</span>
        <Select className="!h-8 !w-56 !py-0" value={value.status} onChange={(e) => onChange({ ...value, status: e.target.value as ReviewStatus | '' })} data-testid="filter-status">
          <option value="">Needs review or failed</option>
          {REVIEW_STATUSES.map((s) => (
            <option key={s} value={s}>
              {statusLabel(s)}
            </option>
          ))}
        </Select>
      </label>
      {value.nodeId && <StepChip name={stepNames[value.runId]?.[value.nodeId]} nodeId={value.nodeId} onClear={() => onChange({ ...value, nodeId: '' })} />}
      {hasFilters(value) && (
        <Button size="sm" variant="ghost" icon={<XIcon size={13} />} onClick={() => onChange(NO_FILTERS)} data-testid="btn-clear-filters">
          Clear filters
        </Button>
      )}
    </div>
  );
}

/** The step filter, named as on the canvas when its run is known (`useStepNames`), else by its id. */
function StepChip({ name, nodeId, onClear }: { name: string | undefined; nodeId: string; onClear(): void }) {
  return (
    <span className="mb-1 inline-flex h-7 items-center gap-1.5 rounded-full bg-white pr-1 pl-2.5 text-xs text-slate-600 ring-1 ring-slate-200" data-testid="filter-node" title={`Step ${nodeId}`}>
      Step <span className="font-medium text-slate-900">{name ?? nodeId}</span>
      <button
        type="button"
        className="rounded-full p-0.5 text-slate-400 hover:bg-slate-100 hover:text-slate-700"
        title="Any step"
        aria-label="Remove the step filter"
        onClick={onClear}
        data-testid="btn-clear-filter-node"
      >
        <XIcon size={12} />
      </button>
    </span>
  );
}
