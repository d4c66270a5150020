import * as cheerio from 'cheerio';
import type { AnyNode } from 'domhandler';
import type { Json, RecordData } from '../../sdk/types.ts';

/**
 * Reads a list of items out of one HTML page with CSS selectors (cheerio: no browser, no scripts run).
 * Each item is an element matched by the item selector; each field is read inside it by its own
 * selector (empty: the item itself), as text, an attribute or inner HTML, first match or all.
 * Links (href, src, action…) are made absolute against the page's address, so a relative link works
 * in later steps. Malformed HTML is read the way a browser would repair it.
 */

export interface FieldSpec {
  name: string;
  selector: string;
  read: 'text' | 'attribute' | 'html';
  attribute: string;
  all: boolean;
  trim: boolean;
}

export interface PageItems {
  items: RecordData[];
  /** The "next page" link, absolute, or null when there is none (or no selector). */
  next: string | null;
}

/** Attributes that hold addresses: read as absolute URLs when the page's address is known. */
const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'data-href', 'poster', 'cite']);

/** An empty document to try selectors on; made on the first check, not at start (cheerio is heavy to load). */
let empty: cheerio.CheerioAPI | null = null;

/** Why a CSS selector cannot be used (follows the field's name in flow validation: "itemSelector" is not…), or null. */
export function selectorProblem(selector: string): string | null {
  if (selector.trim() === '') return null;
  try {
    (empty ??= cheerio.load(''))(selector);
    return null;
  } catch (err) {
    return `is not a valid CSS selector: ${(err as Error).message.replace(/[.\s]+$/, '')}`;
  }
}

function tidy(text: string, trim: boolean): string {
  return trim ? text.replace(/\s+/g, ' ').trim() : text;
}

/**
 * What a page's relative links are relative to: its `<base href>` (resolved against the page's own
 * address), as a browser reads them, else the page's address. Links of a page with a base read
 * against the page's address were other addresses than the ones a visitor follows.
 */
function documentBase($: cheerio.CheerioAPI, pageUrl: URL | null): URL | null {
  const href = $('base[href]').first().attr('href')?.trim();
  if (!href) return pageUrl;
  try {
    const base = pageUrl ? new URL(href, pageUrl) : new URL(href);
    return base.protocol === 'http:' || base.protocol === 'https:' ? base : pageUrl;
  } catch {
    return pageUrl;
  }
}

function absolute(value: string, base: URL | null): string {
  if (!base) return value;
  try {
    return new URL(value.trim(), base).href;
  } catch {
    return value;
  }
}

function readOne($: cheerio.CheerioAPI, el: AnyNode, field: FieldSpec, base: URL | null): Json {
  const node = $(el);
  if (field.read === 'text') return tidy(node.text(), field.trim);
  if (field.read === 'html') {
    const html = node.html() ?? '';
    return field.trim ? html.trim() : html;
  }
  const value = node.attr(field.attribute);
  if (value === undefined) return null;
  const text = tidy(value, field.trim);
  return URL_ATTRIBUTES.has(field.attribute.toLowerCase()) ? absolute(text, base) : text;
}

export function extractItems(html: string, pageUrl: URL | null, itemSelector: string, fields: FieldSpec[], nextSelector: string): PageItems {
  const $ = cheerio.load(html);
  pageUrl = documentBase($, pageUrl);
  const items: RecordData[] = [];
  $(itemSelector).each((_, item) => {
    const data: RecordData = {};
    for (const field of fields) {
      const matches = field.selector.trim() === '' ? [item] : $(item).find(field.selector).toArray();
      if (field.all) data[field.name] = matches.map((m) => readOne($, m, field, pageUrl)).filter((v) => v !== null && v !== '');
      else data[field.name] = matches.length ? readOne($, matches[0], field, pageUrl) : null;
    }
    items.push(data);
  });
  let next: string | null = null;
  if (nextSelector.trim()) {
    const href = $(nextSelector).first().attr('href')?.trim();
    if (href && !href.startsWith('#') && !/^javascript:/i.test(href)) next = absolute(href, pageUrl);
  }
  return { items, next };
}
