import type { Page } from 'playwright-core';

/**
 * Tabs a click opens. A link with `target="_blank"` or a script calling `window.open` puts the
 * page the person wants in a new tab — a payment page, a confirmation, a sign-in window — while the
 * record's steps act on the page they were in. A click whose expected sign is not on that page but
 * on a tab the click opened goes on in that tab: the steps after it work there, as a person who sees
 * the tab come to the front would; the tab closing itself (a sign-in window done) brings them back
 * to the page that opened it. A tab whose sign was not asked for is left where it is (a terms page
 * opened beside a form must not take the form's steps away): the sign decides, and the log says a
 * tab opened.
 */

/** Where a record's steps act: the current page of the record, which a followed tab replaces. */
export interface CurrentPage {
  page: Page;
}

/** The record a page belongs to (set for the record's first page and every tab followed). */
const owners = new WeakMap<Page, CurrentPage>();

/** Notes that `page` is the record's page (its first one, or one made again after it closed). */
export function ownPage(record: CurrentPage, page: Page): void {
  owners.set(page, record);
}

/** From now on the record's steps act on `tab`; when it closes, on `opener` again (if still open). */
export function followTab(opener: Page, tab: Page): void {
  const record = owners.get(opener);
  if (!record) return;
  record.page = tab;
  owners.set(tab, record);
  tab.once('close', () => {
    if (record.page === tab && !opener.isClosed()) record.page = opener;
  });
}

/** The page the record of `page` acts on now: another one once `page`, a followed tab, closed itself. */
export function currentOf(page: Page): Page {
  return owners.get(page)?.page ?? page;
}

/** The tabs `page` opens while an action runs, in the order they opened. */
export interface NewTabs {
  list(): Page[];
  stop(): void;
}

export function watchNewTabs(page: Page): NewTabs {
  const opened: Page[] = [];
  const onPopup = (tab: Page): void => void opened.push(tab);
  page.on('popup', onPopup);
  return {
    list: () => opened.filter((t) => !t.isClosed()),
    stop: () => void page.off('popup', onPopup),
  };
}
