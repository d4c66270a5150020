import { z } from 'zod';
import type { Frame, Locator, Page } from 'playwright-core';
import { NodeError } from '../../../server/contract/node-error.ts';
import type { NodeContext } from '../../sdk/types.ts';
import { sleep } from '../../sdk/abort.ts';
import { renderTemplate } from '../../../server/contract/expression/template.ts';
import { firstLine } from './session.ts';
import { describeRoles, toPlaywrightSelector } from './role-selector.ts';
import { describeFrame, otherFramesHint, searchedFrames } from './frames.ts';
import { SCROLL_AFTER_MS, scrollFurther } from './scroll-search.ts';
import { labelOfHiddenTickBox } from './drawn-tick-box.ts';
import { closedShadowHint } from './closed-shadow.ts';

/** How often the page is looked at again while waiting for an element. */
export const POLL_MS = 100;

const SELECTORS_HELP =
  'Ways to find the element on the page, tried in order: the first that matches wins, so put the most precise first and fallbacks after it (the page may rename a field). ' +
  'Write CSS like #email or input[name="email"], text=Send, or role=button[name="Send"] (the element whose accessible name contains Send, in any letter case; [name="Send"s] for exactly that name). Elements in frames of the same site are found as they are; for a frame from another site, name it first: frame=#widget >> #email. {{ placeholders }} are filled from the record.';

/** A selector setting: a list of fallbacks, tried in order. */
export function selectorsParam(defaults: string[], title = 'Element', extra = '') {
  return z
    .array(z.string().trim().min(1, 'A selector cannot be empty.'))
    .min(1, 'Give at least one selector.')
    .default(defaults)
    .describe(extra ? `${extra} ${SELECTORS_HELP}` : SELECTORS_HELP)
    .meta({ title });
}

/** An optional selector setting (an empty list means "no check"). */
export function optionalSelectorsParam(title: string, description: string) {
  return z.array(z.string().trim().min(1, 'A selector cannot be empty.')).default([]).describe(description).meta({ title });
}

/**
 * visible: shown on the page. attached: on it, shown or not. list: shown, or else a hidden <select>
 * — pages hide their <select> and draw their own list over it (Chosen, bootstrap-select…), and the
 * form still sends the hidden one's value (see select.ts). control: shown, or else a hidden checkbox
 * or radio button whose label is shown — the page draws its own tick box there (drawn-tick-box.ts).
 */
export type ElementState = 'visible' | 'attached' | 'list' | 'control';

export interface FoundElement {
  locator: Locator;
  selector: string;
  index: number;
  /** The frame it is in, when not the page itself (see frames.ts). */
  frame?: Frame;
  /** A hidden <select> found for the `list` state. */
  hidden?: boolean;
  /** For the `control` state: the element is the shown label of the hidden tick box the selector matched. */
  viaLabel?: boolean;
}

/** Renders `{{ }}` placeholders in every selector against the record. */
export async function renderSelectors(selectors: string[], input: unknown): Promise<string[]> {
  const out: string[] = [];
  for (const [i, s] of selectors.entries()) out.push((await renderTemplate(s, input, `selector ${i + 1}`)).trim());
  return out;
}

/** Quoted list for messages: "a", "b", "c". */
export function listSelectors(selectors: string[]): string {
  return selectors.map((s) => JSON.stringify(s)).join(', ');
}

type Ctx = Pick<NodeContext<unknown>, 'signal' | 'log'>;

/**
 * Looks once for the first selector (in order) with an element in `state`, in the page and then in
 * its same-site frames (frames.ts). Returns null when none has one; invalid selectors are noted in
 * `invalid` and skipped.
 */
export async function matchOnce(page: Page, selectors: string[], state: ElementState, invalid: Map<string, string>): Promise<FoundElement | null> {
  const frames = searchedFrames(page);
  for (const [index, selector] of selectors.entries()) {
    if (invalid.has(selector)) continue;
    for (const frame of frames) {
      try {
        const all = frame.locator(toPlaywrightSelector(selector));
        const where = frame === frames[0] ? undefined : frame;
        const candidates = state === 'attached' ? all : all.filter({ visible: true });
        if ((await candidates.count()) > 0) return { locator: candidates.first(), selector, index, frame: where };
        const hiddenList = state === 'list' ? all.and(frame.locator('select')) : null;
        if (hiddenList && (await hiddenList.count()) > 0) return { locator: hiddenList.first(), selector, index, frame: where, hidden: true };
        const label = state === 'control' ? await labelOfHiddenTickBox(frame, all) : null;
        if (label) return { locator: label, selector, index, frame: where, viaLabel: true };
      } catch (err) {
        if (page.isClosed()) throw err;
        // A frame that goes away or reloads while it is searched says nothing about the selector
        // (a selector that is not valid fails in the page itself first).
        if (frame !== frames[0]) continue;
        invalid.set(selector, firstLine(err));
        break;
      }
    }
  }
  return null;
}

/** " in the frame …" for log lines and messages, when the element is inside a frame. */
export function inFrame(found: FoundElement): string {
  return found.frame ? ` in ${describeFrame(found.frame)}` : '';
}

/**
 * Finds the element: every selector is tried in order, again and again until `deadline`; the first
 * that matches an element in `state` wins and is reported in the log. After SCROLL_AFTER_MS without
 * one the page is scrolled down a window at each look, for content drawn only when scrolled to
 * (scroll-search.ts). None → E_ELEMENT_NOT_FOUND listing every selector tried.
 */
export async function findElement(ctx: Ctx, page: Page, selectors: string[], options: { deadline: number; timeoutMs: number; state?: ElementState }): Promise<FoundElement> {
  const state = options.state ?? 'visible';
  const invalid = new Map<string, string>();
  const started = Date.now();
  let scrolled = false;
  for (;;) {
    const found = await matchOnce(page, selectors, state, invalid);
    if (found) {
      const after = `${scrolled ? ' once the page was scrolled down' : ''}${found.viaLabel ? ': a hidden tick box, used through its label (the page draws its own box there)' : ''}`;
      ctx.log.debug(
        found.index === 0
          ? `Found the element with ${JSON.stringify(found.selector)}${inFrame(found)}${after}.`
          : `Found the element with fallback selector ${found.index + 1} of ${selectors.length}, ${JSON.stringify(found.selector)}${inFrame(found)}${after} (the earlier ones matched nothing).`,
        { selector: found.selector, index: found.index },
      );
      return found;
    }
    const left = options.deadline - Date.now();
    if (left <= 0) break;
    if (Date.now() - started >= SCROLL_AFTER_MS && (await scrollFurther(page))) scrolled = true;
    await sleep(Math.min(POLL_MS, left), ctx.signal);
  }
  throw await notFound(page, selectors, invalid, options.timeoutMs, state, scrolled);
}

/**
 * The element a step acts on: renders the step's selectors with the record, then finds the first that
 * matches before `timeoutMs` runs out. `deadline` bounds the rest of the step (its action, its check).
 */
export async function locate(
  ctx: Ctx & { input: unknown },
  page: Page,
  rawSelectors: string[],
  timeoutMs: number,
  state?: ElementState,
): Promise<FoundElement & { deadline: number }> {
  const deadline = Date.now() + timeoutMs;
  const selectors = await renderSelectors(rawSelectors, ctx.input);
  return { ...(await findElement(ctx, page, selectors, { deadline, timeoutMs, state })), deadline };
}

async function notFound(page: Page, selectors: string[], invalid: Map<string, string>, timeoutMs: number, state: ElementState, scrolled: boolean): Promise<NodeError> {
  const bad = [...invalid.entries()].map(([s, why]) => `${JSON.stringify(s)} is not a valid selector (${why})`);
  // A role selector that found nothing: say which names that role has here, so the fix is in sight.
  const roles = await describeRoles(page, selectors.filter((s) => !invalid.has(s)));
  const frames = otherFramesHint(page);
  const closed = await closedShadowHint(page);
  return new NodeError(
    'E_ELEMENT_NOT_FOUND',
    `No ${state === 'attached' ? '' : 'visible '}element matched any of the ${selectors.length} selector${selectors.length === 1 ? '' : 's'} tried within ${timeoutMs} ms: ${listSelectors(selectors)}, on ${page.url()}${scrolled ? ' (scrolled down while looking)' : ''}.${bad.length ? ` ${bad.join('; ')}.` : ''}${roles ? ` ${roles}` : ''}${frames ? ` ${frames}` : ''}${closed ? ` ${closed}` : ''}`,
    'The page may have changed or not be ready: open it in a browser, find the element (right-click → Inspect) and add a selector that matches it to the list; if the page is slow, raise the time limit. The failure screenshot shows what the page looked like.',
  );
}
