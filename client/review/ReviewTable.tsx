import { useEffect, useRef } from 'react';
import { Link } from 'react-router';
import type { ReviewActionKind, ReviewItem } from '../api/types.ts';
import { RecordStatusBadge } from '../components/Badge.tsx';
import { Button } from '../components/Button.tsx';
import { XIcon } from '../components/icons.tsx';
import { cn } from '../lib/cn.ts';
import { dateTime, plural, timeAgo } from '../lib/format.ts';
import { ResolveIcon, RetryIcon, SkipIcon } from './icons.tsx';
import { keyOf } from './review-actions.ts';
import { DataTable, TablePager } from '../components/DataTable.tsx';

function Checkbox({ checked, indeterminate, onChange, label, testId }: { checked: boolean; indeterminate?: boolean; onChange(v: boolean): void; label: string; testId?: string }) {
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = !!indeterminate;
  }, [indeterminate]);
  return (
    <input
      ref={ref}
      type="checkbox"
      aria-label={label}
      checked={checked}
      onChange={(e) => onChange(e.target.checked)}
      onClick={(e) => e.stopPropagation()}
      className="size-4 cursor-pointer rounded border-slate-300 accent-indigo-600"
      data-testid={testId}
    />
  );
}

/** The records of the current page; a checkbox picks a row for a bulk action, a click opens it. */
export function ReviewTable({
  items,
  total,
  offset,
  pageSize,
  selected,
  onSelect,
  onOpen,
  onPage,
  refreshing,
  stepNames,
}: {
  items: ReviewItem[];
  total: number;
  offset: number;
  pageSize: number;
  selected: Map<string, ReviewItem>;
  onSelect(next: Map<string, ReviewItem>): void;
  onOpen(item: ReviewItem): void;
  onPage(offset: number): void;
  refreshing?: boolean;
  /** run id → node id → the step's name (`useStepNames`). */
  stepNames: Record<string, Record<string, string>>;
}) {
  const onPageCount = items.filter((i) => selected.has(keyOf(i))).length;
  const all = onPageCount === items.length && items.length > 0;
  const toggleAll = (on: boolean) => {
    const next = new Map(selected);
    for (const i of items) {
      if (on) next.set(keyOf(i), i);
      else next.delete(keyOf(i));
    }
    onSelect(next);
  };
  const toggle = (item: ReviewItem, on: boolean) => {
    const next = new Map(selected);
    if (on) next.set(keyOf(item), item);
    else next.delete(keyOf(item));
    onSelect(next);
  };
  return (
    <div data-testid="review-table" data-refreshing={refreshing ? 'true' : 'false'}>
      <div className="overflow-x-auto">
        <DataTable
          columns={[
            {
              label: <Checkbox checked={all} indeterminate={onPageCount > 0 && !all} onChange={toggleAll} label="Select every record of this page" testId="review-select-all" />,
              className: 'w-10 py-2.5 pr-1 pl-5',
            },
            { label: 'Flow / run' },
            { label: '#', className: 'w-14 px-3 py-2.5 text-right' },
            { label: 'Status', className: 'w-32 px-3 py-2.5' },
            { label: 'Error' },
            { label: 'Hint' },
            { label: 'When', className: 'w-28 px-3 py-2.5 pr-5 text-right' },
          ]}
          rows={items}
          row={(item) => {
              const key = keyOf(item);
              const isSel = selected.has(key);
              return (
                <tr
                  key={key}
                  className={cn('cursor-pointer align-top', isSel ? 'bg-indigo-50/60 hover:bg-indigo-50' : 'hover:bg-indigo-50/40')}
                  onClick={() => onOpen(item)}
                  data-testid={`review-row-${item.runId}-${item.index}`}
                  data-run-id={item.runId}
                  data-index={item.index}
                  data-status={item.status}
                  data-code={item.error?.code ?? ''}
                >
                  <td className="py-3 pr-1 pl-5">
                    <Checkbox checked={isSel} onChange={(on) => toggle(item, on)} label={`Select record ${item.index + 1} of ${item.runId}`} testId="review-select" />
                  </td>
                  <td className="max-w-56 px-3 py-3">
                    <div className="truncate font-medium text-slate-900">{item.flowName}</div>
                    <Link
                      to={`/runs/${encodeURIComponent(item.runId)}`}
                      onClick={(e) => e.stopPropagation()}
                      className="block truncate font-mono text-[11px] text-indigo-600 hover:underline"
                      data-testid="review-run-link"
                    >
                      {item.runId}
                    </Link>
                  </td>
                  <td className="px-3 py-3 text-right font-medium text-slate-700 tabular-nums">{item.index + 1}</td>
                  <td className="px-3 py-3">
                    <RecordStatusBadge status={item.status} />
                  </td>
                  <td className="max-w-80 px-3 py-3">
                    {item.error ? (
                      <>
                        <div className="font-mono text-[11px] font-medium text-rose-600">
                          {item.error.code}
                          {item.error.nodeId && (
                            <span className="ml-1.5 font-sans font-normal text-slate-500" data-testid="review-step">
                              at “{stepNames[item.runId]?.[item.error.nodeId] ?? item.error.nodeId}”
                            </span>
                          )}
                        </div>
                        <div className="line-clamp-2 text-slate-700" title={item.error.message}>
                          {item.error.message}
                        </div>
                      </>
                    ) : item.reason ? (
                      <div className="line-clamp-2 text-amber-800" title={item.reason}>
                        {item.reason}
                      </div>
                    ) : (
                      <span className="text-slate-400">{item.status === 'needs_review' ? 'Sent to review by the flow' : '—'}</span>
                    )}
                  </td>
                  <td className="max-w-72 px-3 py-3 text-slate-500">
                    <div className="line-clamp-2" title={item.error?.hint ?? ''}>
                      {item.error?.hint || <span className="text-slate-400">—</span>}
                    </div>
                  </td>
                  <td className="px-3 py-3 pr-5 text-right whitespace-nowrap text-slate-500" title={dateTime(item.endedAt ?? item.startedAt)}>
                    {timeAgo(item.endedAt ?? item.startedAt)}
                  </td>
                </tr>
              );
          }}
        />
      </div>
      <TablePager always noun={['record', 'records']} offset={offset} pageSize={pageSize} total={total} onPage={onPage} rangeTestId="review-range" prevTestId="review-prev" nextTestId="review-next" />
    </div>
  );
}

/** Shown while rows are selected: what can be done to all of them at once. */
export function BulkBar({
  count,
  busy,
  onRetry,
  onSkip,
  onResolve,
  onClear,
}: {
  count: number;
  busy: ReviewActionKind | null;
  onRetry(): void;
  onSkip(): void;
  onResolve(): void;
  onClear(): void;
}) {
  return (
    <div className="flex flex-wrap items-center gap-2 border-b border-indigo-100 bg-indigo-50 px-5 py-2" data-testid="bulk-bar" role="toolbar" aria-label="Actions on the selected records">
      <span className="mr-2 text-sm font-medium text-indigo-900" data-testid="bulk-count">
        {plural(count, 'record')} selected
      </span>
      <Button size="sm" icon={<RetryIcon size={14} />} loading={busy === 'retry'} disabled={!!busy} onClick={onRetry} data-testid="btn-bulk-retry">
        Retry
      </Button>
      <Button size="sm" icon={<SkipIcon size={14} />} loading={busy === 'skip'} disabled={!!busy} onClick={onSkip} data-testid="btn-bulk-skip">
        Skip
      </Button>
      <Button size="sm" icon={<ResolveIcon size={14} />} loading={busy === 'resolve'} disabled={!!busy} onClick={onResolve} data-testid="btn-bulk-resolve">
        Resolve…
      </Button>
      <Button size="sm" variant="ghost" icon={<XIcon size={13} />} className="ml-auto" onClick={onClear} data-testid="btn-bulk-clear">
        Clear selection
      </Button>
    </div>
  );
}
