import type { CDPSession, Page } from 'playwright-core';

/**
 * Whether anything in the page hears a fill's typing. A fill watches the field it typed into until
 * it stays unchanged for "Wait for the page" (field-settle.ts: 500 ms by default), because pages
 * rewrite fields a moment later — but a page rewrites a field in answer to the typing only if one of
 * its scripts hears it: an event listener on the field, on an element around it (across open shadow
 * roots to their hosts: the events' composed path), on its document or its window, for an event the
 * typing or the focus fires. A plain form without scripts (the demo signup site) hears nothing, and
 * its fields need no watch: checked at once, each fill is about 500 ms faster.
 *
 * Chromium's inspector tells the listeners (the console's getEventListeners(), inline handlers such
 * as oninput="…" and el.oninput = fn included); nothing is added to the page. The field is the one
 * that has the focus once the keys are in (Playwright's fill and key presses give it the focus),
 * followed from the top document into same-origin frames and open shadow roots; typing.ts then
 * confirms that the step's field is the one focused. Whenever that cannot be told — the field in a
 * frame from another site, inside a closed shadow root, an editable element rather than a text
 * field (a MutationObserver, not a listener, may watch those), the focus elsewhere, the inspector
 * not answering within CHECK_MS, not Chromium — the answer is "heard": in doubt, the field is watched.
 * The inspector lists the listeners of every script world: Playwright's own (pointer and mouse
 * listeners on the window, for its clicks) are of no type a fill fires; Conveyor's (typing.ts's
 * change listener) carry OWN_LISTENER and are passed over.
 *
 * Not seen, and accepted: a timer the page started before the fill (a script that rewrites the
 * field 300 ms after load, whatever happens), a page polling its fields, listeners on another
 * element whose focus the field took (a blur handler on the previous field that rewrites this one).
 *
 * Cost, measured 2026-12-06 on the 2-core test machine (Chromium 156): one inspector call per fill,
 * 2-4 ms when the machine is idle, median 8 ms (90 % under 23 ms) at load average 5; a page's first
 * about 25 ms, its inspector session (opened while the keys go in, kept for the page's life)
 * included — against the 500 ms watch it saves.
 */

/** Events a fill's typing or its focus fires at the field (Playwright's fill and pressSequentially, typing.ts's change event). Playwright's fill does not click: no pointer events. */
const HEARD_TYPES = [
  'input', 'beforeinput', 'textInput', 'textinput', 'change', 'search',
  'keydown', 'keyup', 'keypress',
  'paste', 'cut',
  'compositionstart', 'compositionupdate', 'compositionend',
  'focus', 'focusin', 'blur', 'focusout', 'DOMFocusIn', 'DOMFocusOut',
  'select', 'selectstart', 'selectionchange',
  'DOMCharacterDataModified', 'DOMSubtreeModified', 'DOMNodeInserted', 'DOMNodeRemoved', 'DOMAttrModified',
];

/** A property of the listener objects Conveyor's own code adds to the page (typing.ts): not the page's. */
export const OWN_LISTENER = '__conveyorOwnListener';

/**
 * How long the inspector may take to answer: longer (a page busy in a long task), and the field is
 * watched to its end. The watch runs meanwhile (field-settle.ts) and ends when the answer comes, so
 * a slow answer costs nothing more than the watch; the limit only frees the question.
 */
const CHECK_MS = 3_000;

export interface Hearing {
  /** false only when it is known that nothing in the page hears the typing. */
  heard: boolean;
  /** Why, in a few words: the listeners heard ("input on document"), or what could not be told. */
  why: string;
}

/**
 * Run in the page's top document by the inspector, with its console's getEventListeners. Follows
 * the focus (document.activeElement, into same-origin frames and open shadow roots) to the field,
 * and lists the listeners for HEARD_TYPES on each node of its composed path, its document and
 * window, and likewise on the frame elements it lies in. A string, not a function: the code sent
 * to the page is not compiled by tsx (see page-functions.test.ts).
 */
const LISTENERS_HEARD = `(() => {
  const types = ${JSON.stringify(HEARD_TYPES)};
  const own = ${JSON.stringify(OWN_LISTENER)};
  if (typeof getEventListeners !== 'function' || !String(getEventListeners).includes('[Command Line API]')) return { doubt: "the inspector's listener list is not available on this page" };
  const name = (n) => n.nodeType === 9 ? 'document' : n.nodeType === 11 ? 'a shadow root' : n.nodeType === 1 ? '<' + n.localName + (n.id ? ' id="' + n.id + '"' : '') + '>' : 'window';
  const heard = [];
  const look = (target) => {
    const all = getEventListeners(target) || {};
    for (const type of types) {
      for (const l of all[type] || []) {
        if (l.listener && typeof l.listener === 'object' && l.listener[own] === true) continue;
        heard.push(type + ' on ' + name(target));
      }
    }
  };
  let doc = document;
  for (let depth = 0; depth < 10; depth++) {
    let el = doc.activeElement;
    while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
    if (!el || el === doc.body) return { doubt: 'nothing in the page has the focus' };
    for (let n = el; n; n = n.nodeType === 11 ? n.host : n.parentNode) look(n);
    if (doc.defaultView) look(doc.defaultView);
    const tag = el.localName;
    if (tag === 'iframe' || tag === 'frame') {
      let inner = null;
      try { inner = el.contentDocument; } catch (e) { inner = null; }
      if (!inner) return { doubt: 'the field is in a frame from another site' };
      doc = inner;
      continue;
    }
    if (tag !== 'input' && tag !== 'textarea') return { doubt: el.isContentEditable ? 'the field is an editable element, whose changes the page may watch without a listener' : el.shadowRoot === null && el.localName.includes('-') ? 'the field may be inside a closed web component' : 'the focus is on ' + name(el) + ', not on a text field' };
    return { heard: heard.slice(0, 5), count: heard.length };
  }
  return { doubt: 'frames nested too deep' };
})()`;

const sessions = new WeakMap<Page, Promise<CDPSession>>();

/** The page's inspector session, one for the page's life (it ends with the page); asked for ahead by `prepareHeard`. */
function sessionFor(page: Page): Promise<CDPSession> {
  let session = sessions.get(page);
  if (!session) {
    session = page.context().newCDPSession(page);
    sessions.set(page, session);
    session.catch(() => undefined);
  }
  return session;
}

/** Opens the page's inspector session ahead of `focusedFieldHeard` (while the keys go in): the first of a page takes a few ms more. */
export function prepareHeard(page: Page): void {
  if (!page.isClosed()) void sessionFor(page).catch(() => undefined);
}

/**
 * Whether anything in the page hears typing into the element that has the focus (the field just
 * typed into, which typing.ts confirms once it has told the page of the change: a page that moved
 * the focus on to another field in answer is then seen doing so); in doubt, yes.
 */
export async function focusedFieldHeard(page: Page, timeoutMs: number = CHECK_MS): Promise<Hearing> {
  if (page.isClosed()) return { heard: true, why: 'the page is closed' };
  const limit = Math.max(0, Math.min(CHECK_MS, timeoutMs));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), limit);
  });
  try {
    const asked = sessionFor(page).then((cdp) => cdp.send('Runtime.evaluate', { expression: LISTENERS_HEARD, includeCommandLineAPI: true, returnByValue: true, silent: true }));
    asked.catch(() => undefined);
    const answer = await Promise.race([asked, late]);
    if (answer === 'late') return { heard: true, why: `the browser did not say within ${limit} ms` };
    const found = (answer.exceptionDetails ? undefined : answer.result.value) as { doubt?: string; heard?: string[]; count?: number } | undefined;
    if (!found || found.doubt || !found.heard) return { heard: true, why: found?.doubt ?? 'the listeners could not be listed' };
    if (found.heard.length > 0) return { heard: true, why: `the page listens: ${found.heard.join(', ')}${(found.count ?? 0) > found.heard.length ? ', …' : ''}` };
    return { heard: false, why: 'no listener for typing, key, focus or change events on it, the elements around it, its document or its window' };
  } catch {
    // Not Chromium, the page went away, the session ended: a new one is asked for next time.
    sessions.delete(page);
    return { heard: true, why: 'the browser could not be asked' };
  } finally {
    clearTimeout(timer);
  }
}
