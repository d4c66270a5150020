import type { Page, Request, Response } from 'playwright-core';

/**
 * What a page was still loading when the open step's time ran out. Many real pages never reach
 * "load": an image or a tracking script from a server that never answers, a chat widget that keeps
 * a request open. Their text and forms were all there long before (DOMContentLoaded), and a person
 * would use them. The open step watches its navigation to tell that case apart — the document was
 * read whole, only some of what it loads is missing — and to name what was missing.
 */
export interface LoadWatch {
  /** Whether the new document was read whole (DOMContentLoaded) during the navigation. */
  domReady(): boolean;
  /** The requests still unanswered, e.g. "http://cdn.example/pixel.gif (image)". */
  pending(): string[];
  /** The answer that brought the new document (after redirects), once one did. */
  document(): Response | null;
  stop(): void;
}

export function watchLoad(page: Page): LoadWatch {
  let ready = false;
  const open = new Set<Request>();
  let document: Response | null = null;
  const onReady = (): void => {
    ready = true;
  };
  const onRequest = (r: Request): void => {
    open.add(r);
  };
  const onDone = (r: Request): void => {
    open.delete(r);
  };
  const onResponse = (r: Response): void => {
    if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) document = r;
  };
  page.on('domcontentloaded', onReady);
  page.on('request', onRequest);
  page.on('requestfinished', onDone);
  page.on('requestfailed', onDone);
  page.on('response', onResponse);
  return {
    domReady: () => ready,
    // An address is cut to its first 120 characters: a tracker's may carry a long query.
    pending: () => [...open].map((r) => `${r.url().length > 120 ? `${r.url().slice(0, 120)}…` : r.url()} (${r.resourceType()})`),
    document: () => document,
    stop() {
      page.off('domcontentloaded', onReady);
      page.off('request', onRequest);
      page.off('requestfinished', onDone);
      page.off('requestfailed', onDone);
      page.off('response', onResponse);
    },
  };
}
