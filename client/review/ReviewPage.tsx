import { useCallback, useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { flowsApi, reviewApi } from '../api/endpoints.ts';
import { errorMessage } from '../api/http.ts';
import type { ReviewActionKind, ReviewItem } from '../api/types.ts';
import { Button } from '../components/Button.tsx';
import { EmptyState, ErrorState } from '../components/EmptyState.tsx';
import { LoadingState, Spinner } from '../components/Spinner.tsx';
import { useAsync } from '../lib/use-async.ts';
import { reviewStatusOf } from '../lib/run-status.ts';
import { Card, PageBody, PageHeader } from '../pages/PageHeader.tsx';
import { AllClearIcon, RefreshIcon } from './icons.tsx';
import { ResolveDialog } from './NoteDialog.tsx';
import { BulkBar, ReviewTable } from './ReviewTable.tsx';
import { ReviewDrawer } from './ReviewDrawer.tsx';
import { hasFilters, NO_FILTERS, ReviewFilters, type ReviewFilterValues } from './ReviewFilters.tsx';
import { keyOf, runReviewAction } from './review-actions.ts';
import { useReviewCount } from './review-count-store.ts';
import { useStepNames } from './use-step-names.ts';

export const REVIEW_PAGE_SIZE = 50;

function filtersOf(params: URLSearchParams): ReviewFilterValues {
  const status = params.get('status');
  return {
    flowId: params.get('flowId') ?? '',
    runId: params.get('runId') ?? '',
    code: params.get('code') ?? '',
    nodeId: params.get('nodeId') ?? '',
    status: reviewStatusOf(status),
  };
}

/**
 * The review queue: records of every run that ended needing a person (needs_review) or failed.
 * Filters live in the address (a run can link here), rows can be picked for a bulk action, and a
 * row opens the record with its steps and audit trail.
 */
export function ReviewPage() {
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => filtersOf(params), [params]);
  const [offset, setOffset] = useState(0);
  const [selected, setSelected] = useState<Map<string, ReviewItem>>(new Map());
  const [open, setOpen] = useState<ReviewItem | null>(null);
  const [busy, setBusy] = useState<ReviewActionKind | null>(null);
  const [resolving, setResolving] = useState(false);

  const flows = useAsync(() => flowsApi.list(), []);
  const page = useAsync(
    () => reviewApi.list({ ...filters, offset, limit: REVIEW_PAGE_SIZE }),
    [filters.flowId, filters.runId, filters.code, filters.nodeId, filters.status, offset],
  );
  const reload = page.reload;

  // A change of filters starts again at the first page with nothing selected.
  useEffect(() => {
    setOffset(0);
    setSelected(new Map());
  }, [filters.flowId, filters.runId, filters.code, filters.nodeId, filters.status]);

  // Records leave the queue when retried elsewhere, and come back when a retry fails again.
  useEffect(() => {
    const t = setInterval(reload, 10_000);
    return () => clearInterval(t);
  }, [reload]);

  // The nav badge follows what this page shows.
  useEffect(() => {
    if (page.data && !hasFilters(filters)) useReviewCount.setState({ total: page.data.total });
  }, [page.data, filters]);

  // Rows that left the list are no longer selected.
  useEffect(() => {
    if (!page.data) return;
    const present = new Set(page.data.items.map(keyOf));
    setSelected((prev) => {
      const next = new Map([...prev].filter(([k]) => present.has(k)));
      return next.size === prev.size ? prev : next;
    });
  }, [page.data]);

  const setFilters = useCallback(
    (next: ReviewFilterValues) => {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(next)) if (v) q.set(k, v);
      setParams(q, { replace: true });
    },
    [setParams],
  );

  const items = page.data?.items ?? [];
  // The failing steps' names for the rows and the Step filter: one read per run on the page (and the filtered run).
  const stepNames = useStepNames([...items.map((i) => i.runId), ...(filters.runId ? [filters.runId] : [])]);
  const total = page.data?.total ?? 0;
  const chosen = [...selected.values()];

  const bulk = async (action: ReviewActionKind, note?: string) => {
    setBusy(action);
    try {
      const results = await runReviewAction(action, chosen, note ? { note } : {});
      if (results) {
        const done = new Set(results.filter((r) => r.ok).map(keyOf));
        setSelected((prev) => new Map([...prev].filter(([k]) => !done.has(k))));
        reload();
      }
      return results;
    } finally {
      setBusy(null);
    }
  };

  // If the page emptied (everything on the last page handled), step back one page.
  useEffect(() => {
    if (page.data && !page.data.items.length && offset > 0) setOffset(Math.max(0, offset - REVIEW_PAGE_SIZE));
  }, [page.data, offset]);

  const firstLoad = page.loading && !page.data;
  return (
    <PageBody>
      <PageHeader
        title={
          <span className="flex items-center gap-3">
            Review
            {page.data && total > 0 && (
              <span className="rounded-full bg-amber-100 px-2.5 py-0.5 text-sm font-semibold text-amber-800 tabular-nums ring-1 ring-amber-200 ring-inset" data-testid="review-total" title={hasFilters(filters) ? 'Matching the filters' : 'Waiting for review'}>
                {total.toLocaleString()}
              </span>
            )}
          </span>
        }
        subtitle="Records that need a person: check what went wrong, then retry, skip or resolve them."
        actions={
          <Button size="sm" icon={page.loading && page.data ? <Spinner className="!size-3.5" /> : <RefreshIcon size={14} />} onClick={reload} data-testid="btn-refresh-review">
            Refresh
          </Button>
        }
      />
      <Card>
        <ReviewFilters value={filters} flows={flows.data ?? []} stepNames={stepNames} onChange={setFilters} />
        {chosen.length > 0 && (
          <BulkBar
            count={chosen.length}
            busy={busy}
            onRetry={() => void bulk('retry')}
            onSkip={() => void bulk('skip')}
            onResolve={() => setResolving(true)}
            onClear={() => setSelected(new Map())}
          />
        )}
        {firstLoad ? (
          <LoadingState label="Loading the review queue…" />
        ) : page.error && !page.data ? (
          <ErrorState title="Could not load the review queue" message={errorMessage(page.error)} hint={(page.error as { hint?: string })?.hint} onRetry={reload} />
        ) : items.length === 0 ? (
          hasFilters(filters) ? (
            <EmptyState
              icon={<AllClearIcon size={22} />}
              title="No record matches these filters"
              data-testid="review-empty"
              data-filtered="true"
              action={<Button onClick={() => setFilters(NO_FILTERS)}>Clear filters</Button>}
            >
              Nothing with these filters needs attention right now.
            </EmptyState>
          ) : (
            <EmptyState icon={<AllClearIcon size={22} />} title="Nothing to review" data-testid="review-empty" className="py-20">
              Every record went through or has been handled. Records that end as “needs review” or “failed” show up here.
            </EmptyState>
          )
        ) : (
          <ReviewTable
            items={items}
            total={total}
            offset={offset}
            pageSize={REVIEW_PAGE_SIZE}
            selected={selected}
            onSelect={setSelected}
            onOpen={setOpen}
            onPage={setOffset}
            refreshing={page.loading}
            stepNames={stepNames}
          />
        )}
      </Card>
      <ReviewDrawer item={open} onClose={() => setOpen(null)} onChanged={reload} />
      <ResolveDialog
        open={resolving}
        count={chosen.length}
        onCancel={() => setResolving(false)}
        onSubmit={async (note) => {
          const results = await bulk('resolve', note);
          if (results) setResolving(false);
        }}
      />
    </PageBody>
  );
}
