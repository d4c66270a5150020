import type { Dialog, Page } from 'playwright-core';

/**
 * The page's own dialogs: `alert`, `confirm`, `prompt` and "Leave this page?". Unanswered, the
 * browser driver dismisses them, so a site asking "Send the order?" before it sends got "Cancel" —
 * the click did nothing and the step failed with no word of why — and a site saying "Please enter a
 * valid email" in an alert said it to no one. They are answered as the person running the flow
 * would, the step having asked for the action: an alert and a confirm with OK, leaving the page with
 * Leave, a prompt with its own proposed answer (OK with the default text; Cancel when it proposes
 * none, as there is nothing to type). Each is told in the step's log, and an alert's or confirm's
 * words are quoted in the step's error when it fails (page-says.ts): "The page says: …".
 */

export interface DialogSeen {
  kind: string;
  message: string;
  answer: string;
  at: number;
}

/** What each page showed, most recent last (a few kept: only the latest matter to a step). */
const seen = new WeakMap<Page, DialogSeen[]>();
const KEPT = 10;
const MESSAGE_CHARS = 300;

async function answer(page: Page, dialog: Dialog): Promise<void> {
  const kind = dialog.type();
  const message = dialog.message().replace(/\s+/g, ' ').trim().slice(0, MESSAGE_CHARS);
  let said: string;
  try {
    if (kind === 'prompt' && dialog.defaultValue() === '') {
      said = 'Cancel (it proposed no answer)';
      await dialog.dismiss();
    } else {
      said = kind === 'beforeunload' ? 'Leave' : kind === 'prompt' ? `OK with "${dialog.defaultValue()}"` : 'OK';
      await (kind === 'prompt' ? dialog.accept(dialog.defaultValue()) : dialog.accept());
    }
  } catch {
    return; // the page went away meanwhile
  }
  const list = seen.get(page) ?? [];
  list.push({ kind, message, answer: said, at: Date.now() });
  if (list.length > KEPT) list.shift();
  seen.set(page, list);
}

/** Answers the dialogs of `page` and of the tabs it opens, from now on (once per page). */
export function answerDialogs(page: Page): void {
  if (seen.has(page)) return;
  seen.set(page, []);
  page.on('dialog', (dialog) => void answer(page, dialog));
  page.on('popup', (tab) => answerDialogs(tab));
}

/** The dialogs `page` showed since `since` (ms since 1970), oldest first. */
export function dialogsSince(page: Page, since: number): DialogSeen[] {
  return (seen.get(page) ?? []).filter((d) => d.at >= since);
}

/** One line of a step's log per dialog. */
export function describeDialog(d: DialogSeen): string {
  const what = d.kind === 'beforeunload' ? 'asked whether to leave it' : `showed a ${d.kind === 'alert' ? 'message' : d.kind === 'confirm' ? 'question' : 'prompt'} in a dialog`;
  return `The page ${what}${d.message ? `: ${JSON.stringify(d.message)}` : ''} — answered ${d.answer}.`;
}
