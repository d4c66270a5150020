import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Resources } from '../sdk/resources.ts';
import { failureOf, runNode } from '../sdk/testing.ts';
import { networkPolicy } from '../sdk/network.ts';
import { browserOpen } from '../browser/open.ts';
import { webExtractPage } from './extract-page.ts';
import { startTestSite, type TestSite } from './test-site.ts';

/** web.extract-page in real Chromium: the page as the browser shows it (scripts run), next pages over HTTP. */

let site: TestSite;
const runScope = new Resources();
const network = networkPolicy(['127.0.0.1']);

beforeAll(async () => {
  site = await startTestSite();
});
afterAll(async () => {
  await runScope.closeAll();
  await site?.close();
});

describe('web.extract-page (real Chromium)', () => {
  it('reads items a script built, which only a browser sees, and follows next pages', async () => {
    const record = new Resources();
    const resources = { run: runScope, record };
    try {
      await runNode(browserOpen, { url: `${site.url}/scripted` }, {}, { resources, network });
      const { result } = await runNode(webExtractPage, { itemSelector: 'li.shop', fields: [{ name: 'name', selector: 'a' }, { name: 'link', selector: 'a', read: 'attribute', attribute: 'href' }] }, { term: 'coffee' }, { resources, network });
      expect(result.emit.map((e) => e.data)).toEqual([
        { term: 'coffee', name: 'Brew Lyon', link: `${site.url}/shop/brew-lyon` },
        { term: 'coffee', name: 'La Tasse', link: `${site.url}/shop/la-tasse` },
      ]);

      await runNode(browserOpen, { url: `${site.url}/dir/cards?page=2` }, {}, { resources, network });
      site.hits.length = 0;
      const paged = await runNode(webExtractPage, { itemSelector: 'article.biz', fields: [{ name: 'name', selector: 'h2' }], nextSelector: 'a.next', output: 'list' }, {}, { resources, network });
      expect(paged.result.emit[0].data.items).toEqual([{ name: 'Pain & Co' }, { name: 'La Mie Dorée' }, { name: 'Au Bon Pain' }]);
      expect(site.hits).toEqual(['/dir/cards?page=3']);
    } finally {
      await record.closeAll();
    }
  });

  it('needs a page opened by a browser step first', async () => {
    const record = new Resources();
    const err = await failureOf(() => runNode(webExtractPage, {}, {}, { resources: { run: runScope, record }, network }));
    await record.closeAll();
    expect(err.code).toBe('E_NO_PAGE');
  });
});
