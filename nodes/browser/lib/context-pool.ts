import type { Browser, BrowserContext, Page } from 'playwright-core';
import { setSkipMedia } from './resource-blocking.ts';

/**
 * Browser contexts reused from one record to the next within a run ("Reuse the browser window"):
 * making a context and its first page is a large part of a short browser record. Between records
 * a context is reset before anyone else gets it:
 * - every page is closed first (sessionStorage, history and window.name live in a page, and an
 *   open page's scripts could write again what is cleared next), after a new blank page was made
 *   for the next record (`fresh`: about:blank, never navigated, so no script of its own writes
 *   anything). A context left with no page is slow to give one again: with the signup template
 *   (10 rows, concurrency 1, runs alternating at load 6–11) its open step took 1,574–1,667 ms with
 *   the page made when the record started, 770–790 ms with the page made at the reset (15.7–17.8
 *   against 11.7–12.2 records/min),
 * - cookies and granted permissions are cleared,
 * - localStorage, IndexedDB, Cache Storage and service workers of every origin the context sent
 *   a request to are cleared (DevTools protocol Storage.clearDataForOrigin), and the HTTP cache,
 * - skipping of images and fonts is switched off (the next record's open step says again).
 * A context whose reset fails in any way is closed, never reused; so is one that may hold an HTTP
 * authentication sign-in (`signedIn`). Contexts are only reused under the same network policy (the
 * proxy lease is the context's). context-pool.test.ts proves that a record does not see the
 * previous record's cookies, storage or HTTP sign-in in a reused context.
 */

/** Idle contexts kept per run and network policy; more are closed. */
const IDLE_MAX = 8;

export interface PooledContext {
  readonly context: BrowserContext;
  /** Origins (scheme://host:port) the context sent requests to since its last reset. */
  readonly origins: Set<string>;
  /** The blank page the last reset made for the next record (never navigated), taken by it. */
  fresh?: Page;
  /**
   * The context may hold an HTTP authentication sign-in: it asked for an address with a user name
   * (Chromium answers the site's 401 with it, unseen) or met a 401 asking to sign in. Chromium
   * keeps such a sign-in for the context and sends it again unasked, to every later page of that
   * site, and no DevTools call clears it (cookies, storage, cache: tried) — such a context is closed
   * after its record, never reused.
   */
  signedIn: boolean;
}

export class ContextPool {
  private readonly idle = new Map<string, PooledContext[]>();
  private readonly stats = { created: 0, reused: 0, discarded: 0 };

  /** An idle context for this network policy, or a new one made by `create`. */
  async take(policy: string, create: () => Promise<BrowserContext>): Promise<PooledContext> {
    const kept = this.idle.get(policy)?.pop();
    if (kept && !isClosed(kept.context)) {
      this.stats.reused++;
      return kept;
    }
    const context = await create();
    const pooled: PooledContext = { context, origins: new Set(), signedIn: false };
    context.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith('http:') && !url.startsWith('https:')) return;
      const parsed = new URL(url);
      pooled.origins.add(parsed.origin);
      // A user name in the address: Chromium answers the site's challenge with it itself (no 401 is seen).
      if (parsed.username !== '' || parsed.password !== '') pooled.signedIn = true;
    });
    // A challenge Chromium did not answer itself (a script may answer it).
    context.on('response', (response) => {
      if (response.status() === 401 && response.headers()['www-authenticate'] !== undefined) pooled.signedIn = true;
    });
    this.stats.created++;
    return pooled;
  }

  /** After the record: reset the context and keep it for the next record, or close it. */
  async giveBack(policy: string, pooled: PooledContext): Promise<void> {
    const list = this.idle.get(policy) ?? [];
    try {
      if (list.length >= IDLE_MAX) throw new Error('enough idle contexts');
      if (pooled.signedIn) throw new Error('a site signed this context in (HTTP authentication)');
      await reset(pooled);
    } catch {
      this.stats.discarded++;
      await pooled.context.close().catch(() => undefined);
      return;
    }
    list.push(pooled);
    this.idle.set(policy, list);
  }

  async closeAll(): Promise<void> {
    const all = [...this.idle.values()].flat();
    this.idle.clear();
    await Promise.all(all.map((p) => p.context.close().catch(() => undefined)));
  }

  /** Contexts made, reused and closed instead of reused (for tests). */
  counts(): { created: number; reused: number; discarded: number } {
    return { ...this.stats };
  }
}

function isClosed(context: BrowserContext): boolean {
  const browser: Browser | null = context.browser();
  return browser !== null && !browser.contexts().includes(context);
}

async function reset(pooled: PooledContext): Promise<void> {
  const { context } = pooled;
  // The next record's page first (a context left with no page at all is slow to give one again),
  // then the record's pages closed, and only then the context cleared: a page still open while it
  // is cleared can write its cookies and storage again (a timer of the site's), and the next record
  // would find them (context-pool.test.ts, "keeps writing").
  const fresh = await context.newPage();
  for (const p of context.pages()) if (p !== fresh) await p.close();
  const cdp = await context.newCDPSession(fresh);
  try {
    for (const origin of pooled.origins) await cdp.send('Storage.clearDataForOrigin', { origin, storageTypes: 'all' });
    await cdp.send('Network.clearBrowserCache');
  } finally {
    await cdp.detach().catch(() => undefined);
  }
  pooled.origins.clear();
  await context.clearCookies();
  await context.clearPermissions();
  await setSkipMedia(context, false);
  pooled.fresh = fresh;
}

/** The blank page the reset made for this record, if it is still open; the pool forgets it. */
export function takeFresh(pooled: PooledContext): Page | undefined {
  const page = pooled.fresh;
  pooled.fresh = undefined;
  return page && !page.isClosed() ? page : undefined;
}
