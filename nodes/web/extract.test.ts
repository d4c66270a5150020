import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webExtract } from './extract.ts';
import { startTestSite, type TestSite } from './test-site.ts';
import { failureOf, runNode } from '../sdk/testing.ts';
import { networkPolicy } from '../sdk/network.ts';

/** web.extract against a local site serving real multi-page HTML in several layouts. */

let site: TestSite;
beforeAll(async () => {
  site = await startTestSite();
});
afterAll(async () => {
  await site?.close();
});

const CARD_FIELDS = [
  { name: 'name', selector: 'h2' },
  { name: 'link', selector: 'h2 a', read: 'attribute', attribute: 'href' },
  { name: 'city', selector: '.city' },
  { name: 'phone', selector: '.phone' },
  { name: 'tags', selector: '.tag', all: true },
  { name: 'logo', selector: 'img', read: 'attribute', attribute: 'src' },
];

function extract(params: Record<string, unknown>, input: Record<string, unknown> = { term: 'bakery lyon' }) {
  return runNode(webExtract, params, input as never, { network: networkPolicy(['127.0.0.1']) });
}

describe('web.extract', () => {
  it('reads every item of every page, following a relative "next" link, one record per item', async () => {
    site.hits.length = 0;
    const { result, ctx } = await extract({ url: `${site.url}/dir/cards?q={{ $encodeUrlComponent(term) }}`, itemSelector: 'article.biz', fields: CARD_FIELDS, nextSelector: 'a.next' });
    expect(site.hits).toEqual(['/dir/cards?q=bakery%20lyon', '/dir/cards?page=2', '/dir/cards?page=3']);
    expect(result.emit.map((e) => e.port)).toEqual(['out', 'out', 'out', 'out', 'out']);
    const items = result.emit.map((e) => e.data);
    expect(items.map((i) => i.name)).toEqual(['Maison Dupont', 'Le Fournil', 'Pain & Co', 'La Mie Dorée', 'Au Bon Pain']);
    expect(items[0]).toEqual({
      term: 'bakery lyon',
      name: 'Maison Dupont',
      link: `${site.url}/biz/maison-dupont`,
      city: 'Lyon',
      phone: '+33 4 00 00 00 01',
      tags: ['bakery', 'organic'],
      logo: `${site.url}/img/maison-dupont.png`,
    });
    // A field the item lacks is null; "all matches" with none is an empty list.
    expect(items[1]).toMatchObject({ name: 'Le Fournil', phone: null, tags: ['bakery'] });
    expect(items[2]).toMatchObject({ name: 'Pain & Co', tags: [] });
    expect(ctx.logs.some((l) => l.message === 'Read 5 items from 3 pages.')).toBe(true);
  });

  it('spaces the pages it fetches by the flow\'s rate limit for the host', async () => {
    const started = Date.now();
    const { result } = await runNode(webExtract, { url: `${site.url}/dir/cards`, itemSelector: 'article.biz', fields: CARD_FIELDS.slice(0, 1), nextSelector: 'a.next', rateLimit: 5, ratePer: 'second' }, {}, {
      network: networkPolicy(['127.0.0.1']),
      run: { id: 'run_pages', flowId: 'flow_polite' },
    });
    expect(result.emit).toHaveLength(5);
    // Three pages at 5 per second: at least 200 ms between two of them.
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  });

  it('stops at the page limit and says where more pages follow', async () => {
    site.hits.length = 0;
    const { result, ctx } = await extract({ url: `${site.url}/dir/cards`, itemSelector: 'article.biz', fields: CARD_FIELDS.slice(0, 1), nextSelector: 'a.next', maxPages: 2 });
    expect(site.hits).toEqual(['/dir/cards', '/dir/cards?page=2']);
    expect(result.emit.map((e) => e.data.name)).toEqual(['Maison Dupont', 'Le Fournil', 'Pain & Co', 'La Mie Dorée']);
    expect(ctx.logs).toContainEqual({ level: 'warn', message: `Stopped at the page limit (2 pages): more pages follow from ${site.url}/dir/cards?page=3.` });
  });

  it('reads a table layout with an absolute next link, as one list to split later', async () => {
    const { result } = await extract({
      url: `${site.url}/table/1`,
      itemSelector: 'tr.row',
      fields: [
        { name: 'name', selector: '.name' },
        { name: 'email', selector: 'a[href^="mailto:"]' },
      ],
      nextSelector: 'a[rel=next]',
      output: 'list',
      listField: 'shops',
    });
    expect(result.emit).toEqual([
      {
        port: 'out',
        data: {
          term: 'bakery lyon',
          shops: [
            { name: 'Fleurs de Lyon', email: 'fleurs@lyon.test' },
            { name: 'Le Jardin', email: 'jardin@lyon.test' },
            { name: 'Rose & Lys', email: null },
          ],
        },
      },
    ]);
  });

  it('reads malformed HTML the way a browser repairs it', async () => {
    const { result } = await extract({
      url: `${site.url}/broken`,
      itemSelector: '.item',
      fields: [
        { name: 'name', selector: 'b' },
        { name: 'id', selector: '', read: 'attribute', attribute: 'data-id' },
        { name: 'description', selector: '.desc' },
      ],
    });
    const names = result.emit.map((e) => e.data.name);
    expect(names).toEqual(['Café Central', 'Le Petit Noir', "Grains d'Or"]);
    expect(result.emit.map((e) => e.data.id)).toEqual([null, null, '3']);
    // The unclosed <i> and <p> end with their item; the third item has no description.
    expect(result.emit.map((e) => e.data.description)).toEqual(['Open late', 'Espresso bar', null]);
  });

  it('reads HTML a previous step stored, with the page address for relative links, and drops the HTML from the items', async () => {
    const body = await (await fetch(`${site.url}/dir/cards?page=2`)).text();
    const { result } = await extract(
      { source: 'field', htmlField: 'response.body', pageUrl: `${site.url}/dir/cards?page=2`, itemSelector: 'article.biz', fields: CARD_FIELDS.slice(0, 2), nextSelector: 'a.next' },
      { term: 'x', response: { status: 200, body } },
    );
    expect(result.emit.map((e) => e.data)).toEqual([
      { term: 'x', name: 'Pain & Co', link: `${site.url}/biz/pain-co` },
      { term: 'x', name: 'La Mie Dorée', link: `${site.url}/biz/la-mie-doree` },
      { term: 'x', name: 'Au Bon Pain', link: `${site.url}/biz/au-bon-pain` },
    ]);
  });

  it('reads relative links against the page\'s <base href>, as a browser follows them', async () => {
    const body = '<html><head><base href="/shop/"></head><body><div class="p"><a href="items/1">One</a></div><div class="p"><a href="https://other.example/x">Two</a></div><a class="next" href="page/2">next</a></body></html>';
    const { result } = await extract(
      { source: 'field', htmlField: 'html', pageUrl: 'https://www.example.com/catalog/index.html', itemSelector: '.p', fields: [{ name: 'link', selector: 'a', read: 'attribute', attribute: 'href' }], nextSelector: 'a.next', maxPages: 1 },
      { html: body },
    );
    expect(result.emit.filter((e) => e.port === 'out').map((e) => e.data.link)).toEqual(['https://www.example.com/shop/items/1', 'https://other.example/x']);
  });

  it('refuses to follow a relative next link without the page address, and a field without HTML', async () => {
    const body = await (await fetch(`${site.url}/dir/cards`)).text();
    const noBase = await failureOf(() => extract({ source: 'field', itemSelector: 'article.biz', fields: CARD_FIELDS.slice(0, 1), nextSelector: 'a.next' }, { response: { body } }));
    expect(noBase).toMatchObject({ code: 'E_EXTRACT_NO_PAGE_ADDRESS' });
    expect(noBase.message).toContain('"?page=2"');
    const noHtml = await failureOf(() => extract({ source: 'field', htmlField: 'response.body' }, { response: { body: { json: true } } }));
    expect(noHtml).toMatchObject({ code: 'E_EXTRACT_NO_HTML' });
    expect(noHtml.message).toBe('The field "response.body" holds object, not HTML text.');
  });

  it('sends a record without items through "No item", and stops when "next" leads back to a page already read', async () => {
    const none = await extract({ url: `${site.url}/dir/cards`, itemSelector: '.nothing-here' });
    expect(none.result.emit).toEqual([{ port: 'empty', data: { term: 'bakery lyon' } }]);
    site.hits.length = 0;
    const loop = await extract({ url: `${site.url}/loop`, itemSelector: '.item', fields: [{ name: 'text', selector: '' }], nextSelector: 'a.next', maxPages: 10 });
    expect(site.hits).toEqual(['/loop']);
    expect(loop.result.emit.map((e) => e.data.text)).toEqual(['Only one']);
  });

  it('follows redirects, and refuses a 404, a JSON answer, a page over 5 MB and an address the network policy blocks', async () => {
    const moved = await extract({ url: `${site.url}/moved`, itemSelector: 'article.biz', fields: CARD_FIELDS.slice(0, 2) });
    expect(moved.result.emit[0].data).toMatchObject({ name: 'Maison Dupont', link: `${site.url}/biz/maison-dupont` });
    const missing = await failureOf(() => extract({ url: `${site.url}/nowhere` }));
    expect(missing).toMatchObject({ code: 'E_EXTRACT_FETCH', transient: false });
    expect(missing.message).toMatch(/answered 404/);
    const json = await failureOf(() => extract({ url: `${site.url}/api` }));
    expect(json.message).toMatch(/is not HTML \(it is application\/json\)/);
    const huge = await failureOf(() => extract({ url: `${site.url}/huge` }));
    expect(huge).toMatchObject({ code: 'E_EXTRACT_FETCH' });
    expect(huge.message).toMatch(/is larger than 5 MB: it was not read/);
    // A page in Windows-1252 (its <meta charset>) reads letter for letter.
    const latin = await extract({ url: `${site.url}/latin`, itemSelector: '.item', fields: [{ name: 'text', selector: '' }] });
    expect(latin.result.emit.map((e) => e.data.text)).toEqual(['Café €5']);
    const blocked = await failureOf(() => runNode(webExtract, { url: `${site.url}/dir/cards` }, {}, { network: networkPolicy([], {}) }));
    expect(blocked.code).toBe('E_NETWORK_BLOCKED');
  });

  it('refuses a CSS selector that cannot work when the flow is saved', () => {
    const issues = (p: Record<string, unknown>) => webExtract.params.safeParse(p).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(issues({ itemSelector: 'div[' })).toEqual([expect.stringMatching(/^itemSelector: is not a valid CSS selector: Expected name/)]);
    expect(issues({ fields: [{ name: 'a', selector: 'p::before' }] })).toEqual([expect.stringMatching(/^fields\.0\.selector: .*Pseudo-elements are not supported/)]);
    expect(issues({ nextSelector: 'a:has(' })).toHaveLength(1);
    expect(issues({ fields: [] })).toEqual(['fields: Add at least one field to read from each item.']);
    expect(issues({ itemSelector: 'li.business > a', nextSelector: 'a[rel=next]' })).toEqual([]);
  });
});
