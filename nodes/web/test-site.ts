import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Test helper: a local site of listing pages for the extract steps' tests, in several layouts —
 * business cards over three pages linked by a relative "next" link, a table whose next link is
 * absolute, HTML a browser would have to repair, a "next" link back to the same page, a list built by
 * script (only a browser sees it), a redirect, a page over 5 MB, a JSON answer and a 404.
 */

const page = (body: string): string => `<!doctype html><html><head><meta charset="utf-8"><title>Directory</title></head><body>${body}</body></html>`;

const CARDS: Array<Array<{ name: string; slug: string; city: string; phone?: string; tags: string[] }>> = [
  [
    { name: 'Maison Dupont', slug: 'maison-dupont', city: 'Lyon', phone: '+33 4 00 00 00 01', tags: ['bakery', 'organic'] },
    { name: 'Le Fournil', slug: 'le-fournil', city: 'Lyon', tags: ['bakery'] },
  ],
  [
    { name: 'Pain &amp; Co', slug: 'pain-co', city: 'Villeurbanne', phone: '+33 4 00 00 00 03', tags: [] },
    { name: 'La Mie Dorée', slug: 'la-mie-doree', city: 'Lyon', phone: '+33 4 00 00 00 04', tags: ['pastry'] },
  ],
  [{ name: 'Au Bon Pain', slug: 'au-bon-pain', city: 'Bron', phone: '+33 4 00 00 00 05', tags: ['bakery', 'cafe'] }],
];

function cards(n: number): string {
  const items = CARDS[n - 1]
    .map(
      (c) => `<article class="biz">
        <h2><a href="../biz/${c.slug}">  ${c.name}  </a></h2>
        <span class="city">${c.city}</span>
        ${c.phone ? `<span class="phone">${c.phone}</span>` : ''}
        <ul>${c.tags.map((t) => `<li class="tag">${t}</li>`).join('')}</ul>
        <img src="/img/${c.slug}.png" alt="">
      </article>`,
    )
    .join('\n');
  const next = n < CARDS.length ? `<a class="next" href="?page=${n + 1}">Next page</a>` : '<span class="next disabled">Next page</span>';
  return page(`<main><h1>Bakeries, page ${n}</h1>${items}</main><nav>${next}</nav>`);
}

function table(origin: string, n: number): string {
  const rows = n === 1 ? [['Fleurs de Lyon', 'fleurs@lyon.test'], ['Le Jardin', 'jardin@lyon.test']] : [['Rose &amp; Lys', '']];
  const next = n === 1 ? `<a rel="next" href="${origin}/table/2">2</a>` : '';
  return page(`<table><tr><th>Name</th><th>Mail</th></tr>${rows.map(([name, mail]) => `<tr class="row"><td class="name">${name}</td><td>${mail ? `<a href="mailto:${mail}">${mail}</a>` : '—'}</td></tr>`).join('')}</table>${next}`);
}

/** Unclosed tags, a stray end tag, unquoted attributes, an item cut off at the end of the file. */
const BROKEN = `<html><body><div class=item><b>Café Central</b><p class=desc>Open <i>late</div></div>
<div class=item><b>Le Petit Noir</b><p class=desc>Espresso bar
<div class=item data-id=3><b>Grains d'Or`;

const SCRIPTED = page(`<ul id="list"></ul><script>
  for (const name of ['Brew Lyon', 'La Tasse']) { const li = document.createElement('li'); li.className = 'shop'; li.innerHTML = '<a href="/shop/' + name.toLowerCase().replace(/ /g, '-') + '">' + name + '</a>'; document.getElementById('list').append(li); }
</script>`);

export interface TestSite {
  url: string;
  /** Requests served, by path and query ("/cards?page=2"). */
  hits: string[];
  close(): Promise<void>;
}

export async function startTestSite(): Promise<TestSite> {
  const hits: string[] = [];
  let origin = '';
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    hits.push(url.pathname + url.search);
    const html = (body: string) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(body);
    };
    if (url.pathname === '/dir/cards') html(cards(Math.min(CARDS.length, Math.max(1, Number(url.searchParams.get('page')) || 1))));
    else if (url.pathname === '/table/1' || url.pathname === '/table/2') html(table(origin, Number(url.pathname.slice(-1))));
    else if (url.pathname === '/broken') html(BROKEN);
    else if (url.pathname === '/loop') html(page('<p class="item">Only one</p><a class="next" href="/loop">again</a>'));
    else if (url.pathname === '/scripted') html(SCRIPTED);
    else if (url.pathname === '/moved') {
      res.writeHead(302, { location: '/dir/cards?page=1' });
      res.end();
    } else if (url.pathname === '/huge') {
      // Over 5 MB, sent in chunks without a length: the reader must stop by itself.
      res.writeHead(200, { 'content-type': 'text/html' });
      const chunk = `<p class="item">${'x'.repeat(1024 * 1024)}</p>`;
      for (let i = 0; i < 6; i++) res.write(chunk);
      res.end();
    } else if (url.pathname === '/latin') {
      // An older site: no charset in the header, Windows-1252 named by the page itself.
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(Buffer.concat([Buffer.from('<html><head><meta charset="windows-1252"></head><body><p class="item">Caf'), Buffer.from([0xe9, 0x20, 0x80, 0x35]), Buffer.from('</p></body></html>')]));
    } else if (url.pathname === '/api') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"items":[]}');
    } else {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end(page('<h1>Not found</h1>'));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
