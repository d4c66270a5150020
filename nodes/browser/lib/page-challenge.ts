import type { Page } from 'playwright-core';
import { NodeError } from '../../../server/contract/node-error.ts';
import { searchedFrames } from './frames.ts';

/**
 * A check that a person is there — a CAPTCHA (reCAPTCHA, hCaptcha, Cloudflare Turnstile, Arkose,
 * GeeTest…), a bot wall's page (Cloudflare's "Just a moment…", DataDome, PerimeterX/HUMAN) —
 * shown where a browser step expected a field, a button or a sign. Such a step failed with "no
 * element matched" or "the page does not show…": true, but not why; the operator looked for a wrong
 * selector while the site was asking for a person. When a step fails on a page showing one, the
 * error says so (E_PAGE_CHALLENGE) and the record goes to review (failure-decision.ts): Conveyor
 * does not answer these checks, and retrying at once meets the same one.
 *
 * Looked for only after a step failed, so a page that merely loads a CAPTCHA's script (reCAPTCHA v3,
 * an invisible one that never asks) changes nothing while the steps succeed. What counts is a check
 * a person would see: a visible frame of a CAPTCHA service (its address), a visible widget
 * container the services document (`.g-recaptcha`, `.h-captcha`, `.cf-turnstile`, `#px-captcha`…;
 * not a submit button carrying the class, nor an invisible CAPTCHA's badge), or a challenge page's
 * own marks (Cloudflare's `_cf_chl_opt`). Frames from other sites are named
 * by their element's `src` in the page that holds them: a CAPTCHA's frame is always another site's.
 */

/** The failures a person check explains. */
const EXPLAINED = new Set(['E_ELEMENT_NOT_FOUND', 'E_VERIFY_FAILED', 'E_ELEMENT_NOT_USABLE', 'E_PAGE_LOAD']);
/** Looking may not hold the failure up for longer than this. */
const READ_MS = 2_000;

/** The error, as E_PAGE_CHALLENGE when the page shows a person check (and the error is one it explains). */
export async function withPageChallenge(page: Page, err: unknown): Promise<unknown> {
  if (!(err instanceof NodeError) || !EXPLAINED.has(err.code)) return err;
  const kind = await pageChallenge(page);
  if (!kind) return err;
  return new NodeError(
    'E_PAGE_CHALLENGE',
    `${err.message} The page shows a check that a person is there (${kind}), which Conveyor does not answer.`,
    'The record goes to review: a person can finish it on the site and resolve it, or retry it later. Sites ask for such checks when traffic looks automated: run fewer records at once (the run\'s concurrency), space them out, reuse windows, and ask the site\'s owner for an API or to allow this traffic. The failure screenshot shows the check.',
    { cause: err },
  );
}

/** The kind of person check the page shows (its service's name), or null. */
export async function pageChallenge(page: Page): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const look = async (): Promise<string | null> => {
    for (const frame of searchedFrames(page)) {
      const kind = await frame.evaluate<string | null>(PAGE_SCRIPT).catch(() => null);
      if (kind) return kind;
    }
    return null;
  };
  try {
    return await Promise.race([look(), new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), READ_MS)))]);
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/** Frame addresses of the services (host and path, as their documented embeds load them). */
const FRAME_SERVICES: Array<[string, string]> = [
  ['(?:^|\\.)(?:google|recaptcha)\\.(?:com|net)/recaptcha/', 'reCAPTCHA'],
  ['(?:^|\\.)hcaptcha\\.com/', 'hCaptcha'],
  ['(?:^|\\.)challenges\\.cloudflare\\.com/', 'Cloudflare Turnstile'],
  ['(?:^|\\.)(?:arkoselabs|funcaptcha)\\.com/', 'Arkose FunCaptcha'],
  ['(?:^|\\.)captcha-delivery\\.com/', 'DataDome'],
  ['(?:^|\\.)geetest\\.com/', 'GeeTest'],
  ['(?:^|\\.)(?:perimeterx\\.net|px-cloud\\.net|px-cdn\\.net)/', 'HUMAN (PerimeterX)'],
  ['(?:^|\\.)captcha\\.amazon(?:aws)?\\.com/|(?:^|\\.)awswaf\\.com/', 'AWS WAF CAPTCHA'],
  ['(?:^|\\.)friendlycaptcha\\.(?:com|eu)/', 'Friendly Captcha'],
];
/** Widget containers and challenge pages' elements, as the services document them. */
const ELEMENTS: Array<[string, string]> = [
  ['.g-recaptcha, #g-recaptcha', 'reCAPTCHA'],
  ['.h-captcha', 'hCaptcha'],
  ['.cf-turnstile, #challenge-stage, #cf-challenge-running, #challenge-running', 'Cloudflare'],
  ['#px-captcha', 'HUMAN (PerimeterX)'],
  ['.frc-captcha', 'Friendly Captcha'],
  ['.geetest_holder, .geetest_panel', 'GeeTest'],
];

/** Runs in the page, sent as source text (no named inner functions: tsx would wrap them, page-functions.test.ts). */
const PAGE_SCRIPT = `((services, elements) => {
  const shown = (el) => {
    if (typeof el.checkVisibility === 'function' && !el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) return false;
    const r = el.getBoundingClientRect();
    return r.width >= 20 && r.height >= 20;
  };
  if (window._cf_chl_opt !== undefined) return 'Cloudflare';
  for (const frame of document.querySelectorAll('iframe[src]')) {
    let where = '';
    try {
      const u = new URL(frame.getAttribute('src'), location.href);
      // An invisible CAPTCHA's frame (reCAPTCHA v3's badge) asks nothing of a person.
      if (!/[?&#]size=invisible/.test(u.search + u.hash) && !frame.closest('.grecaptcha-badge')) where = u.host + u.pathname;
    } catch {}
    const hit = where && services.find(([re]) => new RegExp(re, 'i').test(where));
    if (hit && shown(frame)) return hit[1];
  }
  // A submit button carrying the class (an invisible CAPTCHA bound to it) is the page's own button.
  for (const [selector, name] of elements) for (const el of document.querySelectorAll(selector)) if (!el.matches('button, input, a, [data-size="invisible"]') && shown(el)) return name;
  return null;
})(${JSON.stringify(FRAME_SERVICES)}, ${JSON.stringify(ELEMENTS)})`;
