import type { Page } from 'playwright-core';

/**
 * Web components whose inside is closed (attachShadow({ mode: 'closed' })): a payment or a captcha
 * widget, a design system that hides its parts. A person sees and uses their fields, but no
 * selector reaches inside one — the browser keeps it from every script, Playwright's included — so
 * "no element matched" alone would send the operator hunting for a better selector that cannot
 * exist. Only Chromium's own inspector protocol sees them: asked when an element was not found.
 */

interface DomNode {
  localName?: string;
  attributes?: string[];
  children?: DomNode[];
  shadowRoots?: Array<DomNode & { shadowRootType?: string }>;
  contentDocument?: DomNode;
}

/** The tags of the closed web components on the page (frames of the same page included), e.g. ["<pay-box id=\"card\">"]. */
export async function closedShadowHosts(page: Page): Promise<string[]> {
  const hosts: string[] = [];
  try {
    const cdp = await page.context().newCDPSession(page);
    try {
      const { root } = (await cdp.send('DOM.getDocument', { depth: -1, pierce: true })) as { root: DomNode };
      const visit = (node: DomNode): void => {
        for (const shadow of node.shadowRoots ?? []) {
          if (shadow.shadowRootType === 'closed') hosts.push(describe(node));
          visit(shadow);
        }
        for (const child of node.children ?? []) visit(child);
        if (node.contentDocument) visit(node.contentDocument);
      };
      visit(root);
    } finally {
      await cdp.detach().catch(() => undefined);
    }
  } catch {
    // Not Chromium, or the page went away: the hint is only a help.
  }
  return hosts;
}

/** One sentence for a "not found" message when the page has closed web components; '' otherwise. */
export async function closedShadowHint(page: Page): Promise<string> {
  const hosts = await closedShadowHosts(page);
  if (hosts.length === 0) return '';
  const shown = hosts.slice(0, 3).join(', ');
  return `The page also holds ${hosts.length} web component${hosts.length === 1 ? '' : 's'} whose inside is closed to scripts (${shown}${hosts.length > 3 ? ', …' : ''}): no selector reaches an element inside one, so if the element is there, the steps cannot use it.`;
}

function describe(node: DomNode): string {
  const attrs = node.attributes ?? [];
  const id = attrs.indexOf('id');
  return `<${node.localName ?? '?'}${id >= 0 && id % 2 === 0 ? ` id="${attrs[id + 1]}"` : ''}>`;
}
