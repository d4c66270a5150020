import type { Page } from 'playwright-core';
import { NodeError } from '../../../server/contract/node-error.ts';
import { searchedFrames } from './frames.ts';

/**
 * What the site itself says when it refuses something. When a browser step fails because the page is
 * not in the expected state, the reason is usually on the page: "That token is not valid", "An
 * account already exists". Those messages are found the ways sites mark them — alert roles and live
 * regions, fields flagged aria-invalid with the text they point to, the browser's own validation
 * message of a field the person tried to submit, and elements whose id or class says error, invalid,
 * alert or danger, in the document and inside web components' open shadow roots, and what its own
 * alert and confirm dialogs said during the step (dialogs.ts) — and quoted in the
 * step's error, so the operator reads the site's words instead of a generic "no element matched".
 * The step's error passes through the engine's masking like any other message.
 */

/** The failures where the page's own words explain what happened. */
const REFUSALS = new Set(['E_ELEMENT_NOT_FOUND', 'E_VERIFY_FAILED', 'E_ELEMENT_NOT_USABLE']);
/** At most this many messages are quoted, each cut to MAX_CHARS. */
const MAX_MESSAGES = 3;
const MAX_CHARS = 200;
/** Reading the page may not hold the failure up for longer than this. */
const READ_MS = 2_000;

/** The error, with the page's own messages quoted when it is a refusal and the page shows any. */
export async function withPageMessages(page: Page, err: unknown, dialogs: string[] = []): Promise<unknown> {
  if (!(err instanceof NodeError) || !REFUSALS.has(err.code)) return err;
  // What the page said in its own dialogs during the step comes first: it was said to the person.
  const said = [...new Set([...dialogs, ...(await pageSays(page))])].slice(0, MAX_MESSAGES);
  if (said.length === 0) return err;
  const quoted = said.map((s) => JSON.stringify(s)).join('; ');
  return new NodeError(
    err.code,
    `${err.message} The page says: ${quoted}.`,
    `The site's own message is quoted: if it refuses the record's data (a wrong code, an address already in use, a field it will not take), correct the data and retry the record. ${err.hint}`,
    { transient: err.transient, cause: err.cause },
  );
}

/**
 * The visible error, alert and validation messages of the page, most specific first — and of its
 * frames of the same site, where steps find elements too (frames.ts): a form in a frame says its
 * refusal in that frame.
 */
export async function pageSays(page: Page): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const read = async (): Promise<string[]> => {
    const said: string[] = [];
    for (const frame of searchedFrames(page)) {
      if (said.length >= MAX_MESSAGES) break;
      said.push(...(await frame.evaluate<string[]>(PAGE_SCRIPT).catch(() => [])));
    }
    return said.slice(0, MAX_MESSAGES);
  };
  try {
    return await Promise.race([
      read(),
      new Promise<string[]>((resolve) => {
        timer = setTimeout(() => resolve([]), READ_MS);
      }),
    ]);
  } catch {
    return []; // the page went away or is navigating: nothing to quote
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs in the page, sent as source text. TypeScript runners (tsx, vitest) may wrap named functions in
 * a `__name(…)` helper that only exists in Node: the script brings a harmless one of its own.
 */
const PAGE_SCRIPT = `(() => { const __name = (f) => f; return (${collectMessages.toString()})(${JSON.stringify({ max: MAX_MESSAGES, maxChars: MAX_CHARS })}); })()`;

/** Runs in the page (no closure over Node code). */
function collectMessages({ max, maxChars }: { max: number; maxChars: number }): string[] {
  const flat = (s: string | null | undefined): string => (s ?? '').replace(/\s+/g, ' ').trim();
  const shown = (el: Element): boolean => {
    const h = el as HTMLElement;
    if (typeof h.checkVisibility === 'function') return h.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true });
    return h.getClientRects().length > 0;
  };
  const isField = (el: Element): boolean => el.matches('input, select, textarea, button, [contenteditable="true"]');
  const fieldName = (el: Element): string => {
    const f = el as HTMLInputElement;
    const label = flat(el.getAttribute('aria-label')) || flat(f.labels?.[0]?.innerText) || flat(el.getAttribute('placeholder')) || flat(el.getAttribute('name'));
    return label.replace(/[:*\s]+$/, '');
  };
  // The document and every open shadow root in it: web components (design systems, Salesforce,
  // Ionic…) draw their fields and messages inside their shadow roots, where the document's own
  // queries do not reach. Each element is looked at once, however deep the nesting.
  const roots: Array<Document | ShadowRoot> = [document];
  for (let i = 0; i < roots.length; i++) for (const el of roots[i].querySelectorAll('*')) if (el.shadowRoot) roots.push(el.shadowRoot);
  const all = (selector: string): Element[] => roots.flatMap((r) => [...r.querySelectorAll(selector)]);
  // An id names an element of the field's own tree (its shadow root, or the document).
  const byIds = (from: Element, ids: string | null): string => {
    const root = from.getRootNode() as Document | ShadowRoot;
    return (ids ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map((id) => flat((root.getElementById?.(id) ?? document.getElementById(id))?.textContent))
      .filter(Boolean)
      .join(' ');
  };

  const picked: Array<{ el: Element; text: string }> = [];
  const add = (el: Element, text: string): void => {
    const t = flat(text);
    if (!t || picked.length >= max) return;
    // One message once: not the same words again, not a container of one already quoted (or inside it).
    if (picked.some((p) => p.text.includes(t) || p.el.contains(el) || el.contains(p.el))) return;
    picked.push({ el, text: t.length > maxChars ? `${t.slice(0, maxChars)}…` : t });
  };
  const text = (el: Element): string => flat((el as HTMLElement).innerText);
  const messageLike = (el: Element): boolean => {
    if (!shown(el) || isField(el)) return false;
    const t = text(el);
    // A whole form or page section flagged "has-error" is not a message: its fields are inside it.
    return t.length > 0 && t.length <= 500 && !el.querySelector('input, select, textarea');
  };

  // 1. Alerts: what the site announces as an alert.
  for (const el of all('[role="alert"], [role="alertdialog"], [aria-live="assertive"]')) if (messageLike(el)) add(el, text(el));
  // 2. Fields the site flags invalid, with the message they point to (or the browser's own).
  for (const el of all('[aria-invalid="true"]')) {
    if (!shown(el)) continue;
    const why = byIds(el, el.getAttribute('aria-errormessage')) || byIds(el, el.getAttribute('aria-describedby')) || (el as HTMLInputElement).validationMessage || 'not accepted';
    const name = fieldName(el);
    add(el, name ? `${name}: ${why}` : why);
  }
  // 3. Fields the browser refused to submit (HTML5 validation, after a submit attempt or an edit).
  let userInvalid: Element[] = [];
  try {
    userInvalid = all(':user-invalid');
  } catch {
    userInvalid = [];
  }
  for (const el of userInvalid) {
    const msg = (el as HTMLInputElement).validationMessage;
    if (!msg || !shown(el)) continue;
    const name = fieldName(el);
    add(el, name ? `${name}: ${msg}` : msg);
  }
  // 4. Elements the site names as errors (id or class: error, invalid, alert, danger).
  for (const el of all('[id], [class]')) {
    const names = `${el.id} ${typeof el.className === 'string' ? el.className : ''}`;
    if (/error|invalid|alert|danger/i.test(names) && messageLike(el)) add(el, text(el));
  }
  // 5. Status regions (polite live regions): the last resort, they may hold other news.
  for (const el of all('[role="status"], [aria-live="polite"]')) if (messageLike(el)) add(el, text(el));
  return picked.map((p) => p.text);
}
