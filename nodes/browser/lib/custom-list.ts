import type { ElementHandle, Frame, Locator, Page } from 'playwright-core';
import { NodeError } from '../../../server/contract/node-error.ts';
import type { NodeContext } from '../../sdk/types.ts';
import { sleep } from '../../sdk/abort.ts';
import { POLL_MS } from './selectors.ts';
import { remaining } from './session.ts';
import { notUsable } from './action.ts';
import { excerpt } from './params.ts';
import { tidyText } from './page-text.ts';

/**
 * Lists that are not a <select>. Design systems draw their drop-downs with divs: a button or a
 * combobox field that opens a list of `role="option"` elements (ARIA's listbox pattern, which MUI,
 * Headless UI, react-select, Angular Material and most others follow). A person clicks the list,
 * then the choice, and sees the choice shown in the list's field; the step does the same and
 * checks the same. A list whose choices carry no role cannot be read as a list: the error says to
 * click it open and click the choice instead.
 */

/** How many choices an error message names. */
const SHOWN = 20;
/** How long an editable list may take to show its choices before the label is typed into it. */
const TYPE_AFTER_MS = 500;

type Ctx = Pick<NodeContext<unknown>, 'signal' | 'log'>;

interface Shape {
  /** listbox: the element is the open list itself; opener: it opens one when clicked. */
  kind: 'listbox' | 'opener' | 'none';
  /** The id of the list it opens (aria-controls / aria-owns), when it says. */
  controls: string;
  /** Whether typing into it filters the list (an editable combobox). */
  typeable: boolean;
  /** Whether it says its list is open already (aria-expanded): clicking again would close it. */
  expanded: boolean;
}

interface Choice {
  label: string;
  value: string;
  /** Whether it appeared when the list was opened. */
  appeared: boolean;
}

const TWO_CLICKS =
  'Choose with two "Browser: click" steps instead: one on the list to open it, one on the choice (e.g. text=France), with "Then expect" set to what shows the choice was made.';

/**
 * Chooses `wanted` (by its shown label, or by its data-value/value attribute) in the custom list
 * `list`, found with `selector` in `frame`; returns the label chosen once the list shows it.
 */
export async function chooseInCustomList(
  ctx: Ctx,
  page: Page,
  frame: Frame,
  found: { locator: Locator; selector: string },
  wanted: string,
  by: 'label' | 'value',
  deadline: number,
): Promise<string> {
  const { locator: list, selector } = found;
  const shape = await list.evaluate(readShape);
  if (shape.kind === 'none') {
    throw notUsable('choose an option in', selector, new Error('it is not a drop-down list: neither a <select> nor a list whose choices are marked role="option"'), TWO_CLICKS);
  }
  const within = shape.kind === 'listbox' ? list : shape.controls ? frame.locator(`[id=${JSON.stringify(shape.controls)}]`) : frame.locator(':root');
  const options = within.locator('[role="option"]').filter({ visible: true });
  // The choices already showing before the list is opened belong to other lists (when the field
  // does not name its list): those that appear on opening are this list's.
  const before = shape.kind === 'opener' && !shape.controls && !shape.expanded ? await options.elementHandles() : [];
  // What the field's surroundings show before the choice: a search field may show the choice beside
  // itself instead (see expectShown).
  const nearBefore = shape.kind === 'opener' ? await list.evaluate(nearTexts).catch(() => [] as string[]) : [];
  if (shape.kind === 'opener' && !shape.expanded) {
    try {
      await list.click({ timeout: remaining(deadline) });
    } catch (err) {
      if (page.isClosed()) throw err;
      throw notUsable('open the list', selector, err);
    }
  }
  const target = tidyText(wanted);
  const openedAt = Date.now();
  let typed = false;
  let seen: Choice[] = [];
  for (;;) {
    const all = await options.evaluateAll(readChoices, before).catch(() => [] as Choice[]);
    const anyNew = all.some((c) => c.appeared);
    seen = all.filter((c) => c.appeared || !anyNew);
    const index = all.findIndex((c) => (c.appeared || !anyNew) && (by === 'label' ? tidyText(c.label) === target : c.value === wanted));
    // This very element is clicked and checked: once the list closes, "the n-th choice showing"
    // would be another list's.
    const option = index >= 0 ? await options.nth(index).elementHandle({ timeout: remaining(deadline) }).catch(() => null) : null;
    if (option) {
      const choice = all[index];
      try {
        await option.click({ timeout: remaining(deadline) });
        await expectShown(ctx, list, option, choice.label, selector, deadline, shape.kind === 'opener' ? nearBefore : null);
      } catch (err) {
        if (page.isClosed() || err instanceof NodeError) throw err;
        throw notUsable(`choose ${JSON.stringify(choice.label)} in`, selector, err);
      } finally {
        await option.dispose().catch(() => undefined);
        for (const h of before) await h.dispose().catch(() => undefined);
      }
      return choice.label;
    }
    // A field that filters its list as one types (a search-as-you-type list, a list too long to
    // draw whole): type the label, as a person would, once the list had a moment to open.
    if (shape.typeable && !typed && by === 'label' && (seen.length > 0 || Date.now() - openedAt > TYPE_AFTER_MS)) {
      await list.fill(wanted, { timeout: remaining(deadline) }).catch(() => undefined);
      typed = true;
      continue;
    }
    const left = deadline - Date.now();
    if (left <= 0) break;
    await sleep(Math.min(POLL_MS, left), ctx.signal);
  }
  for (const h of before) await h.dispose().catch(() => undefined);
  if (seen.length === 0) {
    throw notUsable('choose an option in', selector, new Error(`${shape.kind === 'opener' ? 'clicking it showed' : 'it holds'} no choices marked role="option"`), TWO_CLICKS);
  }
  const shown = seen.slice(0, SHOWN).map((c) => JSON.stringify(by === 'label' ? c.label : c.value));
  throw new NodeError(
    'E_ELEMENT_NOT_USABLE',
    `The list found with ${JSON.stringify(selector)} has no option with the ${by} ${JSON.stringify(wanted)}. Its options: ${shown.join(', ')}${seen.length > SHOWN ? `, … (${seen.length} shown in all)` : ''}.`,
    "Check the record's value against the list (spelling, capitals), or match by value instead of label.",
  );
}

/**
 * The check, as a person makes it. A list that opened from a field (`nearBefore` given): the field
 * now shows the label — in any letter case, a style may write it in capitals — or, for a search
 * field that empties itself on a choice (react-select, Select2, Choices.js), a text beside it
 * newly shows it: one more of the texts around the field (nearTexts) than before the choice. (Its
 * options' aria-selected proves nothing: many lists set it on the choice under the mouse.) A list
 * always open: the option is marked selected — its own text holds every label.
 */
async function expectShown(ctx: Ctx, list: Locator, option: ElementHandle, label: string, selector: string, deadline: number, nearBefore: string[] | null): Promise<void> {
  const target = tidyText(label).toLowerCase();
  const count = (texts: string[]): number => texts.filter((t) => tidyText(t).toLowerCase() === target).length;
  let shows = '';
  for (;;) {
    if (nearBefore) {
      const texts = await list.evaluate(shownTexts).catch(() => [] as string[]);
      if (texts.some((t) => tidyText(t).toLowerCase() === target)) return;
      if (count(await list.evaluate(nearTexts).catch(() => [] as string[])) > count(nearBefore)) return;
      shows = texts[0] ?? '';
    } else if (await option.evaluate((el) => el.isConnected && (el as Element).getAttribute('aria-selected') === 'true').catch(() => false)) return;
    const left = deadline - Date.now();
    if (left <= 0) break;
    await sleep(Math.min(POLL_MS, left), ctx.signal);
  }
  throw new NodeError(
    'E_VERIFY_FAILED',
    `After choosing ${JSON.stringify(label)} in the list ${JSON.stringify(selector)}, expected ${nearBefore ? `the list to show it; it shows ${excerpt(shows)}` : 'the choice to be marked selected (aria-selected); it is not'}.`,
    'The page did not take the choice (a script reacting to it, a list that needs another click): look at the failure screenshot.',
  );
}

/** Runs in the page: what kind of list the element is. */
function readShape(el: Element): Shape {
  const role = el.getAttribute('role');
  const popup = el.getAttribute('aria-haspopup');
  const field = el.matches('input, textarea, [contenteditable="true"]');
  const controls = el.getAttribute('aria-controls') || el.getAttribute('aria-owns') || '';
  const expanded = el.getAttribute('aria-expanded') === 'true';
  if (role === 'listbox') return { kind: 'listbox', controls: '', typeable: false, expanded };
  if (role === 'combobox' || (popup !== null && popup !== 'false')) return { kind: 'opener', controls, typeable: field, expanded };
  return { kind: 'none', controls: '', typeable: false, expanded };
}

/** Runs in the page: each choice's label (its aria-label or text) and value, and whether it is new. */
function readChoices(els: Element[], before: Node[]): Choice[] {
  return els.map((el) => ({
    label: (el.getAttribute('aria-label') || (el as HTMLElement).innerText || '').replace(/\s+/g, ' ').trim(),
    value: el.getAttribute('data-value') ?? el.getAttribute('value') ?? '',
    appeared: !before.includes(el),
  }));
}

/** Runs in the page: what the list's field shows — its value, or each line of its text. */
function shownTexts(el: Element): string[] {
  const out: string[] = [];
  if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) out.push(el.value);
  for (const input of el.querySelectorAll('input')) if (input.type !== 'hidden') out.push(input.value);
  const text = (el as HTMLElement).innerText ?? '';
  out.push(text, ...text.split('\n'));
  return out.filter((t) => t.trim() !== '');
}

/**
 * Runs in the page: the visible texts around a list's field — in its parent and the two above (the
 * field's box in most libraries), not past its form — leaving out lists, choices and labels (what is
 * offered, not what is chosen).
 */
function nearTexts(el: Element): string[] {
  let box: Element = el;
  for (let i = 0; i < 3 && box.parentElement && !box.parentElement.matches('form, body'); i++) box = box.parentElement;
  const out: string[] = [];
  const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const parent = n.parentElement;
    const text = n.textContent?.trim() ?? '';
    if (!parent || text === '' || parent.closest('[role="listbox"], [role="option"], label, script, style, template')) continue;
    if (typeof parent.checkVisibility === 'function' && !parent.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
    out.push(text);
  }
  return out;
}
