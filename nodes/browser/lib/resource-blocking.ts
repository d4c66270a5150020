import type { BrowserContext, Route } from 'playwright-core';

/**
 * "Skip images, fonts and media": what a form-filling step never looks at is not downloaded, so
 * pages load sooner and Chromium has less to decode and paint on a busy machine. Done with
 * Playwright routing inside the browser: a skipped request is never sent, so it never reaches the
 * network-policy proxy (network-proxy.ts) and is not a refusal; everything else goes on to the
 * proxy as before. Routing also turns off the browser's HTTP cache for the context.
 */
const SKIPPED = new Set(['image', 'font', 'media']);

function skipMedia(route: Route): Promise<void> {
  return SKIPPED.has(route.request().resourceType()) ? route.abort('blockedbyclient') : route.fallback();
}

const skipping = new WeakSet<BrowserContext>();

/** Turns skipping on or off for the context (a no-op when it already is). */
export async function setSkipMedia(context: BrowserContext, on: boolean): Promise<void> {
  if (on === skipping.has(context)) return;
  if (on) {
    await context.route('**/*', skipMedia);
    skipping.add(context);
  } else {
    await context.unroute('**/*', skipMedia);
    skipping.delete(context);
  }
}
