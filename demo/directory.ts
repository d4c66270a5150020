/**
 * A business directory as HTML pages, for the extract step of the lead pipeline (the same businesses
 * as the JSON search API, demo/search-api.ts): `GET /directory?q=<term>&page=<n>` lists them as
 * cards, three per page, with a relative "Next" link, the way a real directory site would. Each card
 * has the name (a link to the business's page), the city, the trade, the number of employees and,
 * for most, an email address — so a Score step has something to weigh.
 *
 *   <article class="business" data-id="…">
 *     <h2><a href="/directory/b/<id>">Name (City)</a></h2>
 *     <span class="city">lyon</span> <span class="trade">bakery</span>
 *     <span class="employees">12</span> <a class="email" href="mailto:…">…</a>
 *   </article>
 *   <a class="next" rel="next" href="?q=…&page=2">Next</a>
 */
import express, { type Express } from 'express';
import { search, type Business } from './search-api.ts';

export const DIRECTORY_PAGE_SIZE = 3;
/** How many businesses a term lists (over several pages). */
const LISTED = 7;

export interface DirectoryBusiness extends Business {
  employees: number;
  /** Some businesses publish no address: the card has no email then. */
  listsEmail: boolean;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A stable number from a business id: the same business always has the same size. */
function seed(id: string): number {
  let n = 7;
  for (let i = 0; i < id.length; i++) n = (n * 31 + id.charCodeAt(i)) % 10007;
  return n;
}

/** What the directory lists for a term, in order (every page together). */
export function directoryListing(term: string): DirectoryBusiness[] {
  return search(term, LISTED).map((b) => ({ ...b, employees: 1 + (seed(b.id) % 40), listsEmail: seed(b.id) % 5 !== 0 }));
}

function card(b: DirectoryBusiness): string {
  return `<article class="business" data-id="${escape(b.id)}">
  <h2><a href="/directory/b/${encodeURIComponent(b.id)}">${escape(b.name)}</a></h2>
  <p><span class="city">${escape(b.city)}</span> · <span class="trade">${escape(b.trade)}</span> · <span class="employees">${b.employees}</span> employees</p>
  ${b.listsEmail ? `<p>Contact: <a class="email" href="mailto:${escape(b.email)}">${escape(b.email)}</a></p>` : '<p>No public email.</p>'}
</article>`;
}

export function createDirectory(): { app: Express; stats: { pages: number } } {
  const stats = { pages: 0 };
  const app = express();
  app.get('/directory', (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q.trim() : '';
    const all = q ? directoryListing(q) : [];
    const pages = Math.max(1, Math.ceil(all.length / DIRECTORY_PAGE_SIZE));
    const page = Math.min(pages, Math.max(1, Math.floor(Number(req.query.page)) || 1));
    stats.pages++;
    const shown = all.slice((page - 1) * DIRECTORY_PAGE_SIZE, page * DIRECTORY_PAGE_SIZE);
    const next = page < pages ? `<a class="next" rel="next" href="?q=${encodeURIComponent(q)}&amp;page=${page + 1}">Next</a>` : '';
    res.type('html').send(`<!doctype html><html><head><meta charset="utf-8"><title>Directory: ${escape(q)}</title></head><body>
<h1>${all.length} businesses for “${escape(q)}” — page ${page} of ${pages}</h1>
<main>${shown.map(card).join('\n') || '<p class="empty">Nothing found.</p>'}</main>
<nav>${next}</nav>
</body></html>`);
  });
  return { app, stats };
}
