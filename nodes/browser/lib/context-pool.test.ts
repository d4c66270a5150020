import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Resources } from '../../sdk/resources.ts';
import { makeContext, runNode } from '../../sdk/testing.ts';
import { browserOpen } from '../open.ts';
import type { Page } from 'playwright-core';
import type { ContextPool } from './context-pool.ts';
import { pageFor, poolFor } from './session.ts';

// The test server listens on 127.0.0.1: allowed explicitly, as an administrator would (CONVEYOR_ALLOW_HOSTS).
process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';

// A 1×1 transparent PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const requested: string[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requested.push(path);
    if (path === '/pic.png') {
      res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
    } else if (path === '/basic' || path === '/seen') {
      // HTTP authentication: who signed in; /basic asks for it with a 401, /seen only tells.
      const auth = req.headers.authorization;
      const who = auth ? Buffer.from(auth.replace(/^Basic /, ''), 'base64').toString().split(':')[0] : null;
      const ask = !who && path === '/basic';
      res.writeHead(ask ? 401 : 200, { 'content-type': 'text/html', ...(ask ? { 'www-authenticate': 'Basic realm="members"' } : {}) });
      res.end(`<p id="who">${who ?? 'nobody'}</p>`);
    } else if (path === '/busy') {
      // A page that keeps writing a cookie and both storages for as long as it is open.
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<script>setInterval(() => { localStorage.setItem("who", "busy"); sessionStorage.setItem("who", "busy"); document.cookie = "session=busy; Path=/"; }, 0)</script><p>busy</p>');
    } else if (path === '/login') {
      // Signs "record 1" in: a cookie, and localStorage / sessionStorage written by the page.
      res.writeHead(200, { 'content-type': 'text/html', 'set-cookie': 'session=record-1; Path=/' });
      res.end('<script>localStorage.setItem("who", "record-1"); sessionStorage.setItem("who", "record-1")</script><p>in</p>');
    } else {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<img id="pic" src="/pic.png"><p id="text">hello</p>');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => new Promise((resolve) => server.close(resolve)));

/** What the page of a record sees of earlier records: cookies, localStorage, sessionStorage. */
async function leftovers(resources: { run: Resources; record: Resources }) {
  const page = await pageFor(makeContext(browserOpen, {}, {}, { resources }));
  const seen = await page.evaluate(() => ({ cookie: document.cookie, local: localStorage.getItem('who'), session: sessionStorage.getItem('who') }));
  return { page, seen };
}

type Scope = { run: Resources; record: Resources };

/** Two records of one run; both records' resources and the run's are closed afterwards. */
async function twoRecords(body: (first: Scope, second: Scope) => Promise<void>): Promise<void> {
  const run = new Resources();
  const first = { run, record: new Resources() };
  const second = { run, record: new Resources() };
  try {
    await body(first, second);
  } finally {
    await first.record.closeAll();
    await second.record.closeAll();
    await run.closeAll();
  }
}

describe('reused browser windows and skipped media (real Chromium)', () => {
  /** Record 1 opens `path` with reuse and is seen to leave `left`; record 2 then opens the site's home page with reuse. */
  async function afterRecord(path: string, left: Awaited<ReturnType<typeof leftovers>>['seen'], between?: (one: Page) => void): Promise<{ one: Page; two: Awaited<ReturnType<typeof leftovers>>; pool: ContextPool }> {
    let result: { one: Page; two: Awaited<ReturnType<typeof leftovers>>; pool: ContextPool } | undefined;
    await twoRecords(async (first, second) => {
      await runNode(browserOpen, { url: `${url}${path}`, reuseWindow: true }, {}, { resources: first });
      const one = await leftovers(first);
      expect(one.seen).toEqual(left);
      await first.record.closeAll();
      between?.(one.page);
      await runNode(browserOpen, { url: `${url}/`, reuseWindow: true }, {}, { resources: second });
      const two = await leftovers(second);
      // The very same context (not a new one), with nothing of record 1 in it.
      expect(two.page.context()).toBe(one.page.context());
      expect(two.seen).toEqual({ cookie: '', local: null, session: null });
      result = { one: one.page, two, pool: await poolFor(makeContext(browserOpen, {}, {}, { resources: second })) };
    });
    return result!;
  }

  it('record 2 gets record 1\'s context back, reset: no cookies, localStorage or sessionStorage of record 1', async () => {
    let spare: Page[] = [];
    const { two, pool } = await afterRecord('/login', { cookie: 'session=record-1', local: 'record-1', session: 'record-1' }, (one) => {
      // Record 1's page is closed; the reset left one blank page, made for the next record.
      expect(one.isClosed()).toBe(true);
      spare = one.context().pages();
      expect(spare.map((p) => p.url())).toEqual(['about:blank']);
    });
    // Record 2 is on the page the reset made.
    expect(two.page).toBe(spare[0]);
    expect(pool.counts()).toEqual({ created: 1, reused: 1, discarded: 0 });
  });

  it('a page that keeps writing cookies and storage leaves nothing to the next record: it is closed before the context is cleared', async () => {
    await afterRecord('/busy', { cookie: 'session=busy', local: 'busy', session: 'busy' });
  });

  it('a window a site signed in with HTTP authentication is not reused: the next record is not signed in', async () => {
    await twoRecords(async (first, second) => {
      const signedIn = `${url.replace('http://', 'http://alice:secret@')}/basic`;
      await runNode(browserOpen, { url: signedIn, reuseWindow: true }, {}, { resources: first });
      const one = await pageFor(makeContext(browserOpen, {}, {}, { resources: first }));
      expect(await one.locator('#who').textContent()).toBe('alice');
      await first.record.closeAll();

      // The same site again, without a user name: nothing signed in is sent.
      await runNode(browserOpen, { url: `${url}/seen`, reuseWindow: true }, {}, { resources: second });
      const two = await pageFor(makeContext(browserOpen, {}, {}, { resources: second }));
      expect(await two.locator('#who').textContent()).toBe('nobody');
      expect(two.context()).not.toBe(one.context());
      expect((await poolFor(makeContext(browserOpen, {}, {}, { resources: second }))).counts()).toEqual({ created: 2, reused: 0, discarded: 1 });
    });
  });

  it('without reuse every record gets a new context, closed after it', async () => {
    await twoRecords(async (first, second) => {
      await runNode(browserOpen, { url: `${url}/login` }, {}, { resources: first });
      const one = await leftovers(first);
      await first.record.closeAll();
      expect(one.page.isClosed()).toBe(true);
      await runNode(browserOpen, { url: `${url}/` }, {}, { resources: second });
      const two = await leftovers(second);
      expect(two.page.context()).not.toBe(one.page.context());
    });
  });

  it('skips images when asked (the request never reaches the site) and loads them otherwise', async () => {
    await twoRecords(async (skipping, loading) => {
      requested.length = 0;
      await runNode(browserOpen, { url: `${url}/?skip`, skipMedia: true }, {}, { resources: skipping });
      const page = await pageFor(makeContext(browserOpen, {}, {}, { resources: skipping }));
      expect(await page.locator('#text').textContent()).toBe('hello');
      expect(await page.evaluate(() => (document.getElementById('pic') as HTMLImageElement).naturalWidth)).toBe(0);
      expect(requested).not.toContain('/pic.png');

      await runNode(browserOpen, { url: `${url}/?load` }, {}, { resources: loading });
      const shown = await pageFor(makeContext(browserOpen, {}, {}, { resources: loading }));
      expect(await shown.evaluate(() => (document.getElementById('pic') as HTMLImageElement).naturalWidth)).toBe(1);
      expect(requested).toContain('/pic.png');
    });
  });
});
