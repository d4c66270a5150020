import type { TrackingAccess } from '../../sdk/services.ts';

/**
 * Tracking in a mail's HTML body: links to http(s) addresses become signed redirects through the
 * studio, an open pixel goes before </body>, an unsubscribe link is added when the body has none.
 * The HTML is edited as text (never parsed and re-serialised), so what the author wrote stays byte
 * for byte outside the attributes we change.
 */

/** `<a … href="…"`: the attribute value in quotes, without quotes or angle brackets inside. */
const ANCHOR_HREF = /(<a\b[^>]*?\shref\s*=\s*)(["'])([^"'<>]*)\2/gi;

export interface TrackedBody {
  html: string;
  /** The addresses the links pointed at, in order (what each link index means). */
  links: string[];
}

/** Rewrites the http(s) links of `html` to tracking redirects; mailto:, #anchors and the unsubscribe link stay. */
export function trackLinks(html: string, tracking: TrackingAccess, keep: (url: string) => boolean = () => false): TrackedBody {
  const links: string[] = [];
  const out = html.replace(ANCHOR_HREF, (whole, start: string, quote: string, raw: string) => {
    const target = decodeEntities(raw.trim());
    if (!/^https?:\/\//i.test(target) || keep(target)) return whole;
    try {
      new URL(target);
    } catch {
      return whole;
    }
    links.push(target);
    return `${start}${quote}${tracking.clickUrl(target, links.length - 1)}${quote}`;
  });
  return { html: out, links };
}

/** The 1×1 open pixel, placed before </body> (or at the end of a fragment). */
export function addOpenPixel(html: string, pixelUrl: string): string {
  const img = `<img src="${pixelUrl}" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0">`;
  return insertBeforeBodyEnd(html, img);
}

export function addUnsubscribeFooter(html: string, url: string): string {
  const footer = `<p style="font-size:12px;color:#666">Don't want these mails? <a href="${url}">Unsubscribe</a>.</p>`;
  return insertBeforeBodyEnd(html, footer);
}

function insertBeforeBodyEnd(html: string, piece: string): string {
  const at = html.toLowerCase().lastIndexOf('</body>');
  return at === -1 ? `${html}${piece}` : `${html.slice(0, at)}${piece}${html.slice(at)}`;
}

/** The entities that occur in addresses written in HTML attributes. */
function decodeEntities(value: string): string {
  return value
    .replace(/&amp;/gi, '&')
    .replace(/&#0*38;/g, '&')
    .replace(/&#x0*26;/gi, '&')
    .replace(/&quot;/gi, '"')
    .replace(/&#0*39;/g, "'");
}
