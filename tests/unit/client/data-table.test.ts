import { createElement as h } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { DataTable, PageButtons, TablePager, pageRange } from '../../../client/components/DataTable.tsx';

const columns = [{ label: 'Name', className: 'px-5 py-2.5' }, false as const, { label: 'Size' }];
const row = (r: { id: string }) => h('tr', { key: r.id, 'data-testid': `row-${r.id}` }, h('td', null, r.id));

describe('the shared table', () => {
  it('draws one header cell per column shown, in order, and one row per item', () => {
    const html = renderToStaticMarkup(h(DataTable<{ id: string }>, { columns, rows: [{ id: 'a' }, { id: 'b' }], row, testId: 'things' }));
    expect(html).toMatch(/^<table class="w-full text-sm" data-testid="things"><thead class="[^"]*uppercase[^"]*"><tr><th class="px-5 py-2.5">Name<\/th><th class="px-3 py-2.5">Size<\/th><\/tr><\/thead>/);
    expect([...html.matchAll(/data-testid="row-(\w)"/g)].map((m) => m[1])).toEqual(['a', 'b']);
  });

  it('shows what the page gives instead of an empty table, and an empty table when it gives nothing', () => {
    const empty = h('p', { 'data-testid': 'nothing' }, 'Nothing yet.');
    expect(renderToStaticMarkup(h(DataTable<{ id: string }>, { columns, rows: [], row, empty }))).toBe('<p data-testid="nothing">Nothing yet.</p>');
    expect(renderToStaticMarkup(h(DataTable<{ id: string }>, { columns, rows: [], row }))).toContain('<tbody class="divide-y divide-slate-100"></tbody>');
  });

  it('pages: the range shown, Previous disabled on the first page and Next on the last', () => {
    expect(pageRange(0, 50, 120)).toBe('1–50');
    expect(pageRange(100, 50, 120)).toBe('101–120');
    const buttons = (offset: number) => renderToStaticMarkup(h(PageButtons, { offset, pageSize: 50, total: 120, onPage: () => undefined, prevTestId: 'prev', nextTestId: 'next' }));
    const disabled = (html: string, id: string) => new RegExp(`<button[^>]*disabled=""[^>]*data-testid="${id}"|<button[^>]*data-testid="${id}"[^>]*disabled=""`).test(html);
    expect([disabled(buttons(0), 'prev'), disabled(buttons(0), 'next')]).toEqual([true, false]);
    expect([disabled(buttons(50), 'prev'), disabled(buttons(50), 'next')]).toEqual([false, false]);
    expect([disabled(buttons(100), 'prev'), disabled(buttons(100), 'next')]).toEqual([false, true]);
  });

  it('the footer of a paged table says which rows show, of how many, with Previous / Next; nothing when one page holds them all', () => {
    const pager = (offset: number, total: number) => renderToStaticMarkup(h(TablePager, { offset, pageSize: 100, total, onPage: () => undefined, noun: 'addresses' }));
    expect(pager(0, 100)).toBe('');
    const html = pager(100, 1250);
    expect(html.replace(/<[^>]+>/g, '|')).toMatch(/101–200 of 1,250 addresses\|+Previous\|+Next/);
    expect((html.match(/<button/g) ?? []).length).toBe(2);
  });

  it('a pager that always shows (the review queue, a run\'s records) counts one page too, names one row in the singular, and shows nothing with no row', () => {
    const pager = (total: number) =>
      renderToStaticMarkup(h(TablePager, { offset: 0, pageSize: 50, total, onPage: () => undefined, always: true, noun: ['record', 'records'] as const, rangeTestId: 'range', prevTestId: 'prev', nextTestId: 'next' }));
    const text = (html: string) => html.replace(/<!-- -->/g, '').match(/data-testid="range">([^<]*)</)?.[1];
    expect([text(pager(1)), text(pager(7)), text(pager(1250))]).toEqual(['1–1 of 1 record', '1–7 of 7 records', '1–50 of 1,250 records']);
    expect(pager(7)).toMatch(/<button[^>]*disabled=""[^>]*data-testid="next"/);
    expect(pager(0)).toBe('');
  });
});
