import type { ReactNode } from 'react';
import { Button } from './Button.tsx';

/**
 * The studio's tables: one header row, the rows a page draws, and — when there are none — what the
 * page shows instead. Pages keep their own rows (links, badges, actions); this keeps the markup and
 * the looks of the header the same everywhere (the lists, the run view, the report, storage).
 */

export interface Column {
  /** Header text, or a control (a select-all box); nothing for an actions column. */
  label?: ReactNode;
  /** The header cell's width, padding and alignment. */
  className?: string;
}

/** `page`: a list on a page (grey band); `sticky`: stays on top while a panel scrolls; `plain`: inside a card. */
export type TableLook = 'page' | 'sticky' | 'plain';

const HEAD: Record<TableLook, string> = {
  page: 'border-b border-slate-200 bg-slate-50/80 text-left text-xs font-medium tracking-wide text-slate-500 uppercase',
  sticky: 'sticky top-0 z-10 bg-white text-left text-[11px] font-medium tracking-wide text-slate-500 uppercase shadow-[0_1px_0_#e2e8f0]',
  plain: 'text-left text-xs text-slate-500',
};

export interface DataTableProps<T> {
  /** Columns in order; `false` leaves one out (a column shown only sometimes). */
  columns: Array<Column | false>;
  rows: readonly T[];
  /** Draws one row: a `<tr>` with its own key. */
  row(item: T, index: number): ReactNode;
  /** Shown instead of the table when there is no row; without it, an empty table is drawn. */
  empty?: ReactNode;
  look?: TableLook;
  className?: string;
  testId?: string;
}

export function DataTable<T>({ columns, rows, row, empty, look = 'page', className = 'w-full text-sm', testId }: DataTableProps<T>) {
  if (rows.length === 0 && empty !== undefined) return <>{empty}</>;
  return (
    <table className={className} data-testid={testId}>
      <thead className={HEAD[look]}>
        <tr>
          {columns.map((c, i) => c && <th key={i} className={c.className ?? 'px-3 py-2.5'}>{c.label}</th>)}
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">{rows.map(row)}</tbody>
    </table>
  );
}

/** "51–100": the first and last row shown (1-based); the page says "of …" in its own words. */
export function pageRange(offset: number, pageSize: number, total: number): string {
  return `${offset + 1}–${Math.min(offset + pageSize, total)}`;
}

export interface PageButtonsProps {
  offset: number;
  pageSize: number;
  total: number;
  onPage(offset: number): void;
  size?: 'xs' | 'sm';
  variant?: 'ghost' | 'secondary';
  prevTestId?: string;
  nextTestId?: string;
}

/** Previous / Next through a paged list: disabled at either end. */
export function PageButtons({ offset, pageSize, total, onPage, size = 'xs', variant = 'ghost', prevTestId, nextTestId }: PageButtonsProps) {
  return (
    <>
      <Button size={size} variant={variant} disabled={offset === 0} onClick={() => onPage(Math.max(0, offset - pageSize))} data-testid={prevTestId}>
        Previous
      </Button>
      <Button size={size} variant={variant} disabled={offset + pageSize >= total} onClick={() => onPage(offset + pageSize)} data-testid={nextTestId}>
        Next
      </Button>
    </>
  );
}

export interface TablePagerProps extends Omit<PageButtonsProps, 'size' | 'variant'> {
  /** What the rows are, counted: "addresses", or [one, many] when one row reads differently ("1 record"). */
  noun?: string | readonly [one: string, many: string];
  /** Also when one page holds them all, where the count itself is news (the review queue, a run's records); never with no row. */
  always?: boolean;
  /** Names the "51–100 of 250" text for tests. */
  rangeTestId?: string;
}

/** The footer of a paged table: which rows are shown, and Previous / Next; nothing when one page holds them all. */
export function TablePager({ noun, always, rangeTestId, ...paging }: TablePagerProps) {
  const { offset, pageSize, total } = paging;
  if (total === 0 || (!always && total <= pageSize)) return null;
  const word = typeof noun === 'string' ? noun : noun?.[total === 1 ? 0 : 1];
  return (
    <div className="flex items-center justify-end gap-2 border-t border-slate-200 px-5 py-2.5 text-xs text-slate-500" data-testid="table-pager">
      <span className="tabular-nums" data-testid={rangeTestId}>
        {pageRange(offset, pageSize, total)} of {total.toLocaleString()}
        {word ? ` ${word}` : ''}
      </span>
      <PageButtons size="sm" variant="secondary" {...paging} />
    </div>
  );
}
