import type { Browser, BrowserContext, Page } from 'playwright-core';
import { NodeError } from '../../../server/contract/node-error.ts';
import type { NodeContext } from '../../sdk/types.ts';
import { abortError } from '../../sdk/abort.ts';
import { launchChromium } from './chromium.ts';
import { maskedScreenshot } from './screenshot.ts';
import { withPageMessages } from './page-says.ts';
import { withPageChallenge } from './page-challenge.ts';
import { BLOCKED_HEADER, FAILED_HEADER, leaseProxy, type ProxyProblem } from './network-proxy.ts';
import { ContextPool, takeFresh, type PooledContext } from './context-pool.ts';
import { setSkipMedia } from './resource-blocking.ts';
import { currentOf, ownPage, type CurrentPage } from './tabs.ts';
import { answerDialogs, describeDialog, dialogsSince } from './dialogs.ts';

/** The size of the window every record's page gets. */
export const VIEWPORT = { width: 1280, height: 800 };
/**
 * How long a failure screenshot may take before it is given up (the step fails anyway). It is what
 * the operator sees in the review queue, so it is worth a wait: on a loaded 2-core machine (load
 * average 30) a masked screenshot took over 3 s and review records came without one.
 */
const FAILURE_SHOT_MS = 10_000;

interface RecordPage extends CurrentPage {
  context: BrowserContext;
  /** The page the record's steps act on: its first page, or a tab a click went on in (tabs.ts). */
  page: Page;
  /** Set when the context came from the run's pool and goes back to it (see context-pool.ts). */
  pooled?: PooledContext;
}

/** How the record's browser window is set up, as its "Browser: open page" step says. */
export interface PageOptions {
  /** Skip images, fonts and media (resource-blocking.ts). */
  skipMedia?: boolean;
  /** Take a reset context from the run's pool and give it back after the record (context-pool.ts). */
  reuse?: boolean;
}

/** Whether a Browser: open step ran for this record (kept in the record scope, cheap to ask). */
interface RecordState {
  opened: boolean;
}

type AnyContext = Pick<NodeContext<unknown>, 'resources' | 'signal' | 'evidence' | 'log' | 'network'>;

/** The run's browser: launched by the first browser step of the run, closed when the run stops. */
export function browserFor(ctx: AnyContext): Promise<Browser> {
  return ctx.resources.run.get<Browser>('browser', launchChromium, (b) => b.close());
}

function stateFor(ctx: AnyContext): Promise<RecordState> {
  return ctx.resources.record.get<RecordState>('browser.state', async () => ({ opened: false }), () => undefined);
}

/**
 * This record's page: its own browser context (cookies, storage, cache are not shared with other
 * records) and one page in it, created on first use and closed when the record stops executing —
 * or, with `reuse`, a context from the run's pool, reset and given back then (context-pool.ts).
 */
export async function pageFor(ctx: AnyContext, opts: PageOptions = {}): Promise<Page> {
  const rp = await ctx.resources.record.get<RecordPage>(
    'page',
    async () => {
      let made: RecordPage;
      if (!opts.reuse) {
        const context = await newContext(ctx);
        made = { context, page: await firstPage(context) };
      } else {
        const pool = await poolFor(ctx);
        const pooled = await pool.take(policyKey(ctx), () => newContext(ctx));
        problems.delete(pooled.context);
        made = { context: pooled.context, page: takeFresh(pooled) ?? (await firstPage(pooled.context)), pooled };
      }
      ownPage(made, made.page);
      answerDialogs(made.page);
      return made;
    },
    async (v) => {
      if (!v.pooled) return v.context.close();
      const pool = await poolFor(ctx);
      await pool.giveBack(policyKey(ctx), v.pooled);
    },
  );
  // A page closed by a cancelled step is replaced (same context: the record keeps its cookies).
  if (rp.page.isClosed()) {
    rp.page = await rp.context.newPage();
    ownPage(rp, rp.page);
    answerDialogs(rp.page);
  }
  if (opts.skipMedia !== undefined) await setSkipMedia(rp.context, opts.skipMedia);
  (await stateFor(ctx)).opened = true;
  return rp.page;
}

/** Contexts are reused only under the same network policy: the same allowed hosts. */
function policyKey(ctx: AnyContext): string {
  return ctx.network.allowHosts.join('\n');
}

/** The run's pool of reusable contexts, closed with the run. */
export function poolFor(ctx: AnyContext): Promise<ContextPool> {
  return ctx.resources.run.get<ContextPool>('browser.contexts', async () => new ContextPool(), (pool) => pool.closeAll());
}

/** A new context whose traffic all goes through the policy proxy (see network-proxy.ts). */
async function newContext(ctx: AnyContext): Promise<BrowserContext> {
  const browser = await browserFor(ctx);
  // Credentials of its own: loopback too (Chromium bypasses a proxy for it unless told not to).
  let context: BrowserContext | undefined;
  const lease = await leaseProxy(ctx.network, (problem) => {
    if (context) remember(context, problem);
  });
  try {
    context = await browser.newContext({
      viewport: VIEWPORT,
      proxy: { server: lease.server, bypass: '<-loopback>', username: lease.username, password: lease.password },
    });
  } catch (err) {
    lease.release();
    throw err;
  }
  context.on('close', () => lease.release());
  return context;
}

async function firstPage(context: BrowserContext): Promise<Page> {
  try {
    return await context.newPage();
  } catch (err) {
    await context.close().catch(() => undefined);
    throw err;
  }
}

/** The page a Browser: open step made for this record; E_NO_PAGE when there is none. */
export async function existingPage(ctx: AnyContext): Promise<Page> {
  const state = await stateFor(ctx);
  if (state.opened) {
    const page = await pageFor(ctx);
    if (page.url() !== 'about:blank') return page;
  }
  throw new NodeError(
    'E_NO_PAGE',
    'No web page is open for this record: a browser step ran before any "Browser: open page" step.',
    'Put a "Browser: open page" step before this one on the record\'s path. A record resumed in the middle of its browser steps gets its page back by replaying them from that step.',
  );
}

/**
 * Runs one browser step: gets the page (a new or reused one for `open`, the record's current one
 * otherwise), honours `ctx.signal` (abort → the page is closed at once and an AbortError thrown)
 * and attaches a masked `failure.png` of the page before any failure is thrown.
 */
export async function browserStep<T>(ctx: AnyContext, mode: 'open' | 'existing', body: (page: Page) => Promise<T>, opts?: PageOptions): Promise<T> {
  if (ctx.signal.aborted) throw abortError(ctx.signal, 'The browser step was cancelled.');
  let page: Page | undefined;
  let closing: Promise<void> | undefined;
  const started = Date.now();
  const work = (async () => {
    page = mode === 'open' ? await pageFor(ctx, opts) : await existingPage(ctx);
    return body(page);
  })();
  // The page's dialogs during the step (dialogs.ts): told in the log; an alert's or a question's words quoted on failure.
  const dialogs = (): string[] => {
    const shown = [...new Set([page, page && currentOf(page)])].flatMap((p) => (p ? dialogsSince(p, started) : []));
    for (const d of shown) ctx.log.info(describeDialog(d));
    return shown.filter((d) => d.message && (d.kind === 'alert' || d.kind === 'confirm')).map((d) => d.message);
  };
  try {
    const result = await untilAborted(ctx.signal, work, () => {
      closing = page?.close().catch(() => undefined);
      return closing ?? Promise.resolve();
    });
    dialogs();
    return result;
  } catch (err) {
    if (ctx.signal.aborted) {
      // The step's own work may fail first (its page closed under it): the page is closed all the same.
      await closing;
      throw abortError(ctx.signal, 'The browser step was cancelled.');
    }
    // A blank page (nothing opened yet) says nothing: no screenshot then.
    const said = dialogs();
    if (page && !page.isClosed() && page.url() !== 'about:blank') {
      await attachFailureScreenshot(ctx, page);
      // A person check in the way says so (it is why no field was found); otherwise a refusal
      // quotes the site's own words ("That code is not valid"), whichever step met it.
      const challenged = await withPageChallenge(page, err);
      throw challenged === err ? await withPageMessages(page, err, said) : challenged;
    }
    throw err;
  }
}

/** How long closing the page on abort may take before the AbortError is thrown anyway. */
const ABORT_CLOSE_MS = 1000;

/** `work`, or an AbortError as soon as `signal` aborts (once `onAbort` is done, or after ABORT_CLOSE_MS). */
function untilAborted<T>(signal: AbortSignal, work: Promise<T>, onAbort: () => Promise<void>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => {
      let timer: NodeJS.Timeout | undefined;
      const fail = (): void => {
        clearTimeout(timer);
        reject(abortError(signal, 'The browser step was cancelled.'));
      };
      timer = setTimeout(fail, ABORT_CLOSE_MS);
      onAbort().then(fail, fail);
    };
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

/** Attaches a masked screenshot of the page as `failure.png`; a screenshot that fails is only logged. */
export async function attachFailureScreenshot(ctx: AnyContext, page: Page): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const png = await Promise.race([
      maskedScreenshot(page),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`it took more than ${FAILURE_SHOT_MS} ms`)), FAILURE_SHOT_MS);
      }),
    ]);
    await ctx.evidence.attach('failure.png', png, 'image/png');
  } catch (err) {
    ctx.log.warn(`No failure screenshot could be taken: ${firstLine(err)}`);
  } finally {
    clearTimeout(timer);
  }
}

/** The first line of an error's message (Playwright adds call logs below it). */
export function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0].trim();
}

/** Milliseconds left before `deadline`, at least 1 (Playwright treats 0 as "no time limit"). */
export function remaining(deadline: number): number {
  return Math.max(1, deadline - Date.now());
}

/** What the policy proxy reported for a context: the last problem, and refusals by id (the 403's marker). */
interface ContextProblems {
  last?: ProxyProblem;
  blocked: Map<string, NodeError>;
}

const problems = new WeakMap<BrowserContext, ContextProblems>();
/** Refusals kept per context (a page with many blocked images must not grow without end). */
const KEPT_REFUSALS = 50;

function remember(context: BrowserContext, problem: ProxyProblem): void {
  let p = problems.get(context);
  if (!p) problems.set(context, (p = { blocked: new Map() }));
  p.last = problem;
  if ('blocked' in problem) {
    p.blocked.set(problem.id, problem.blocked);
    if (p.blocked.size > KEPT_REFUSALS) p.blocked.delete(p.blocked.keys().next().value!);
  }
}

/**
 * The policy's refusal behind a failed navigation of `page` (the last one since the previous call:
 * then forgotten). A refused https/wss tunnel fails the navigation (ERR_TUNNEL_CONNECTION_FAILED).
 */
export function networkRefusal(page: Page): NodeError | null {
  const p = problems.get(page.context());
  const last = p?.last;
  if (p) p.last = undefined;
  return last && 'blocked' in last ? last.blocked : null;
}

/** Why the proxy could not reach a target, when the last thing it reported was that (then forgotten). */
export function proxyFailure(page: Page): { netCode: string; message: string } | null {
  const p = problems.get(page.context());
  const last = p?.last;
  if (!last || !('failed' in last)) return null;
  p!.last = undefined;
  return { netCode: last.failed, message: last.message };
}

/** The refusal a response of the policy proxy stands for (a 403 with its marker), or null for a site's own answer. */
export function refusalOf(page: Page, headers: Record<string, string>): NodeError | null {
  const id = headers[BLOCKED_HEADER];
  if (!id) return null;
  return problems.get(page.context())?.blocked.get(id) ?? new NodeError('E_NETWORK_BLOCKED', 'The network policy refused the address this page was on.', 'Add the host to the flow\'s allowed hosts (Flow settings → Allowed hosts) if this flow should reach it.');
}

/** The Chromium error code of a target the proxy could not reach (its 502's marker), or null. */
export function proxyFailureCode(headers: Record<string, string>): string | null {
  return headers[FAILED_HEADER] ?? null;
}
