import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import express from 'express';
import { createDirectory, directoryListing, DIRECTORY_PAGE_SIZE } from '../../../demo/directory.ts';
import { listenApp, type Listening } from '../../../demo/listen.ts';
import { webExtract } from '../../../nodes/web/extract.ts';
import { runNode } from '../../../nodes/sdk/testing.ts';
import { networkPolicy } from '../../../nodes/sdk/network.ts';

/** The demo directory's pages, read by the extract step as the lead pipeline does. */

let site: Listening;
beforeAll(async () => {
  const app = express();
  app.use(createDirectory().app);
  site = await listenApp(app);
});
afterAll(async () => {
  await site?.close();
});

describe('demo business directory', () => {
  it('lists the businesses of a term over pages that Extract list from page reads whole', async () => {
    const expected = directoryListing('bakery lyon');
    expect(expected.length).toBeGreaterThan(DIRECTORY_PAGE_SIZE); // more than one page
    const { result } = await runNode(
      webExtract,
      {
        url: `${site.url}/directory?q={{ $encodeUrlComponent(term) }}`,
        itemSelector: 'article.business',
        fields: [
          { name: 'name', selector: 'h2' },
          { name: 'page', selector: 'h2 a', read: 'attribute', attribute: 'href' },
          { name: 'city', selector: '.city' },
          { name: 'employees', selector: '.employees' },
          { name: 'email', selector: 'a.email' },
        ],
        nextSelector: 'a.next',
        maxPages: 10,
      },
      { term: 'bakery lyon' },
      { network: networkPolicy(['127.0.0.1']) },
    );
    const items = result.emit.map((e) => e.data);
    expect(items.map((i) => i.name)).toEqual(expected.map((b) => b.name));
    expect(items[0]).toMatchObject({ term: 'bakery lyon', city: 'lyon', employees: String(expected[0].employees), page: `${site.url}/directory/b/${expected[0].id}` });
    expect(items.map((i) => i.email)).toEqual(expected.map((b) => (b.listsEmail ? b.email : null)));
  });

  it('answers the same listing for the same term, and an empty page for an unknown one', async () => {
    expect(directoryListing('bakery lyon')).toEqual(directoryListing('bakery lyon'));
    const html = await (await fetch(`${site.url}/directory?q=plumber`)).text();
    expect(html).toContain('Nothing found.');
    expect(html).not.toContain('class="next"');
  });
});
