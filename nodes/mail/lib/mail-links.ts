import { decodeHTML, htmlToText, visibleHtml } from './html-text.ts';

/**
 * The link a mail asks its reader to follow to confirm an address, sign in or reset a password
 * ("Confirm your email", a magic sign-in link): what "Wait for mailed code" takes with Take = link.
 *
 * A mail's links are read from its HTML part (`<a href>`, the text shown for each) and its plain
 * part (addresses written out). Links a reader is never asked to follow for this are left out:
 * unsubscribing, preferences, privacy, terms, help, the sender's social pages, `mailto:` and `tel:`.
 * Of the rest, the link whose text or address names the action — confirm, verify, activate,
 * validate, sign in, log in, magic link, reset, and their common translations — is taken; else the
 * only one left; else none (a newsletter with many links names no confirmation: the step says so
 * and lists what it saw, rather than follow a guess).
 */

export interface MailLink {
  url: string;
  /** What the mail shows for it (the anchor's text, or the address itself in a plain part). */
  text: string;
}

/**
 * A link and what it shows. Neither its tag nor its text is read past the next `<a` (or a `<` in the
 * tag): a mail of many links never closed read on to its end from each, minutes for a mail of 1 MB.
 */
const ANCHOR = /<a\b([^<>]*)>((?:[^<]|<(?!\/?a\b))*?)<\/a\s*>/gi;
const HREF = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/i;
/** An address written out in a plain part; trailing punctuation of the sentence is not part of it. */
const PLAIN_URL = /\bhttps?:\/\/[^\s<>"'()[\]{}]+[^\s<>"'()[\]{}.,;:!?]/gi;

/** What a reader is never asked to follow for a confirmation. */
const NOT_IT = /unsubscri|opt[-_ ]?out|abmelden|d[ée]sabonn|d[ée]sinscri|baja|preferences|einstellungen|privacy|datenschutz|confidentialit|terms|conditions|agb|\bhelp\b|support|faq|impressum|imprint|legal|facebook\.|twitter\.|x\.com\/|instagram\.|linkedin\.|youtube\.|tiktok\.|app\.apple\.com|play\.google\.com|view (?:this|it) (?:mail|email|message) in|im browser|dans (?:votre|le) navigateur|web ?version/i;

/**
 * NOT_IT in an address: where a word starts only, in its host and path only. Matched anywhere, it
 * found x.com/ in accounts.firefox.com/ and netflix.com/, and "agb" or "help" in the random token a
 * tracking link carries (click.sender.com/ls/click?upn=…Agb…): the Confirm button was passed over
 * and the mail's only other link (the logo's) taken.
 */
const NOT_IT_IN_URL = new RegExp(`(?<![a-z0-9])(?:${NOT_IT.source})`, 'i');

/**
 * What names the action. ASKS_IT: what only this mail's link does — confirm, verify, activate,
 * validate, reset, a magic or one-time link, claim, accept an invitation — and translations; the
 * rest (sign in, log in, join, get started…) any page's link may say too (likeliest).
 */
const ASKS_IT =
  /confirm|verif|activat|aktivier|activ(?:er|ar|e)\b|validat|valider|validar|convalid|bestätig|best[aä]tig|bevestig|potwierd|conferm|подтверд|magic|one[-_ ]?time|token|reset|zurücksetzen|réinitialis|restablec|claim|accept(?:er)? (?:the )?invit/i;
const NAMES_IT = new RegExp(`${ASKS_IT.source}|sign[-_ ]?in|log[-_ ]?in|anmeld|connexion|se connecter|iniciar sesi|accedi|join\\b|get started|finish (?:signing|setting)`, 'i');

/** The links of an HTML part, in order, with the text each shows. */
export function htmlLinks(html: string): MailLink[] {
  const links: MailLink[] = [];
  for (const m of visibleHtml(html).matchAll(ANCHOR)) {
    const href = HREF.exec(m[1]);
    if (!href) continue;
    // A browser drops the tabs and line breaks of an address (WHATWG URL): mail programs that wrap
    // long lines (Outlook's HTML) break a long href across lines, and the link was taken with its CRLF.
    const url = decodeHTML(href[1] ?? href[2] ?? href[3] ?? '')
      .replace(/[\t\n\r]/g, '')
      .trim();
    const alt = /\balt\s*=\s*"([^"]*)"/i.exec(m[2])?.[1] ?? '';
    const text = htmlToText(m[2]).replace(/\s+/g, ' ').trim() || decodeHTML(alt).trim();
    links.push({ url, text });
  }
  return links;
}

/** The addresses written out in a plain part. */
export function plainLinks(text: string): MailLink[] {
  const links: MailLink[] = [];
  let lineStart = 0;
  let searched = 0;
  for (const m of text.matchAll(PLAIN_URL)) {
    // The words before it on its line say what it is for ("Confirm your address: https://…"): up to
    // SAYS characters of them. The line's start is looked for on from the last one, once per mail.
    const newline = text.slice(searched, m.index).lastIndexOf('\n');
    if (newline >= 0) lineStart = searched + newline + 1;
    searched = m.index;
    links.push({ url: m[0], text: text.slice(Math.max(lineStart, m.index - SAYS), m.index).trim() });
  }
  return links;
}

/** How much of a plain part's line before an address is kept as what it says (a long line is not read again per address). */
const SAYS = 200;

/** Whether a reader may be asked to follow it: an http(s) address not for unsubscribing, terms, social pages… */
function followable(link: MailLink): boolean {
  if (!/^https?:\/\/[^/\s]+/i.test(link.url)) return false;
  return !NOT_IT.test(link.text) && !NOT_IT_IN_URL.test(link.url.replace(/[?#][\s\S]*$/, ''));
}

/** The link the mail asks to follow, or null; `seen`: the followable links it holds (for the error). */
export function confirmationLink(links: MailLink[], pattern?: { test(url: string): boolean }): { link: MailLink | null; seen: MailLink[] } {
  if (pattern) {
    const matching = links.filter((l) => /^https?:\/\//i.test(l.url) && pattern.test(l.url));
    return { link: matching[0] ?? null, seen: links };
  }
  const candidates = links.filter(followable);
  // The same address linked twice (a button and the address written out under it) is one link.
  const distinct = [...new Map(candidates.map((l) => [l.url, l])).values()];
  // What a link shows names it before its address does: a tracking link's token ("…Join…", "…reset…")
  // names nothing, and a logo link before the Confirm button was taken for it.
  const named = likeliest(candidates.filter((l) => NAMES_IT.test(l.text))) ?? likeliest(candidates.filter((l) => NAMES_IT.test(pathOf(l.url))));
  return { link: named ?? (distinct.length === 1 ? distinct[0] : null), seen: distinct };
}

/**
 * Of the links that name the action, the one the mail asks to follow: its first, unless a later one
 * says more. A mail's header often links "Sign in" or "Log in" to the site's login page before the
 * button ("Verify email address", or a magic "Sign in to Shop" link), and that page was taken. A
 * link that names what only this mail's link does (ASKS_IT) comes first, then one that carries
 * something for this reader (a token: a query value or a long path segment, utm_ tags aside).
 */
function likeliest(named: MailLink[]): MailLink | undefined {
  const score = (l: MailLink): number => (ASKS_IT.test(l.text) || ASKS_IT.test(pathOf(l.url)) ? 2 : 0) + (carriesToken(l.url) ? 1 : 0);
  return named.reduce<MailLink | undefined>((best, l) => (best === undefined || score(l) > score(best) ? l : best), undefined);
}

/** A query value (not a utm_ tag) or a path segment long enough to be a token for one reader. */
function carriesToken(url: string): boolean {
  const query = /\?([^#]*)/.exec(url)?.[1] ?? '';
  if (query.split('&').some((pair) => !/^utm_/i.test(pair) && /=[^&]{4,}/.test(pair))) return true;
  return pathOf(url).replace(/[?#][\s\S]*$/, '').split('/').some((segment) => /^[\w.~%-]{16,}$/.test(segment) && /\d/.test(segment));
}

/** The path and query of an address, not its host: a host named "verify-mail.example" says nothing of one link. */
function pathOf(url: string): string {
  return url.replace(/^https?:\/\/[^/]+/i, '');
}
