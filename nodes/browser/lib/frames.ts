import type { Frame, Page } from 'playwright-core';

/**
 * Frames (iframes) of a page. A person sees a form inside a frame as part of the page — a contact
 * widget, an old portal's frames, a rich-text editor — and the selector they copy from the browser's
 * inspector names the element, not the frame. So an element is looked for in the page, then in its
 * frames that show the same site (same origin, or a blank/srcdoc frame the page wrote itself). A
 * frame from another site (an advert, a payment or video widget) is searched only when the selector
 * names it (`frame=…`, see role-selector.ts): an advert's "Thank you" must not pass a check.
 */

/** The page's main frame, then its same-site frames in document order. */
export function searchedFrames(page: Page): Frame[] {
  const main = page.mainFrame();
  const origin = originOf(main.url());
  const out = [main];
  const visit = (frame: Frame): void => {
    for (const child of frame.childFrames()) {
      if (child.isDetached() || !sameSite(child.url(), origin)) continue;
      out.push(child);
      visit(child);
    }
  };
  visit(main);
  return out;
}

/** The page's frames from other sites (what `searchedFrames` leaves out), for a "not found" hint. */
export function otherSiteFrames(page: Page): Frame[] {
  const searched = new Set(searchedFrames(page));
  return page.frames().filter((f) => !searched.has(f) && !f.isDetached());
}

/** How the log and messages name a frame: its name or address. */
export function describeFrame(frame: Frame): string {
  const name = frame.name();
  return name ? `the frame "${name}" (${frame.url()})` : `the frame ${frame.url()}`;
}

/** One sentence for a "not found" message when the page has frames from other sites; '' otherwise. */
export function otherFramesHint(page: Page): string {
  const others = otherSiteFrames(page);
  if (others.length === 0) return '';
  const shown = others.slice(0, 3).map((f) => f.url()).join(', ');
  return `The page also shows ${others.length} frame${others.length === 1 ? '' : 's'} from another site (${shown}${others.length > 3 ? ', …' : ''}), not searched: to reach an element inside one, start the selector with the frame, e.g. frame=iframe[src*="example"] >> #field.`;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '';
  }
}

/** A frame the page drew itself (about:blank, about:srcdoc) shares its parent's origin. */
function sameSite(url: string, origin: string): boolean {
  if (url === '' || url.startsWith('about:')) return true;
  const o = originOf(url);
  return o !== '' && o !== 'null' && o === origin;
}
