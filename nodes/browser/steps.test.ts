import { describe, expect, it } from 'vitest';
import { Resources } from '../sdk/resources.ts';
import { failureOf, makeContext, runNode } from '../sdk/testing.ts';
import { createRegistry } from '../index.ts';
import { testPagesAndRecords } from './test-records.ts';
import { browserOpen } from './open.ts';
import { browserFill } from './fill.ts';
import { browserSelect } from './select.ts';
import { browserClick } from './click.ts';
import { browserWaitFor } from './wait-for.ts';
import { browserVerify } from './verify.ts';
import { browserExtract } from './extract.ts';
import { browserScreenshot } from './screenshot.ts';
import { browserNodes } from './index.ts';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkPolicy } from '../sdk/network.ts';

// The test pages are served on 127.0.0.1: allowed explicitly, as an administrator would (CONVEYOR_ALLOW_HOSTS).
process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';

const PNG_MAGIC = '89504e470d0a1a0a';

// One run scope (one browser) for the whole file; each test is one record with its own scope.
const pages = testPagesAndRecords();
const record = pages.record;
const runScope = pages.runScope;

describe('browser steps (real Chromium)', () => {
  it('declares eleven Network steps with the right side effects', () => {
    expect(Object.fromEntries(browserNodes.map((n) => [n.type, n.effect]))).toEqual({
      'browser.open': 'idempotent',
      'browser.fill': 'idempotent',
      'browser.select': 'idempotent',
      'browser.attach-file': 'idempotent',
      'browser.click': 'unsafe',
      'browser.press': 'unsafe',
      'browser.hover': 'none',
      'browser.wait-for': 'none',
      'browser.verify': 'none',
      'browser.extract': 'none',
      'browser.screenshot': 'none',
    });
    for (const n of browserNodes) {
      expect(n.category).toBe('Network');
      expect(n.params.parse({})).toMatchObject({ });
    }
    // The catalog (palette, inspector form) has every step with a title and a description per setting.
    const catalog = createRegistry().catalog().filter((t) => t.type.startsWith('browser.'));
    expect(catalog).toHaveLength(11);
    for (const t of catalog) {
      const props = (t.paramsSchema as { properties: Record<string, { title?: string; description?: string }> }).properties;
      for (const [name, prop] of Object.entries(props)) {
        expect(prop.title, `${t.type}.${name}`).toBeTruthy();
        expect(prop.description, `${t.type}.${name}`).toBeTruthy();
      }
    }
    expect(catalog.find((t) => t.type === 'browser.click')?.defaults).toMatchObject({ selectors: ['button[type="submit"]'], expectSelectors: [], expectUrl: '', timeoutMs: 10000 });
  });

  it('open + fill + select + click-with-verify + extract + verify: the success path', async () => {
    const input = { email: 'ada@example.com', secret: 'hunter2', country: 'Germany', site: pages.url };
    const r = record(input);
    try {
      const opened = await r.step(browserOpen, { url: '{{ site }}/form', expectSelectors: ['form'], expectUrl: '/form' });
      expect(opened.result.emit[0].data).toEqual(input);
      // The page renamed "email" to "mail": the second selector is the fallback that matches.
      const filled = await r.step(browserFill, { selectors: ['input[name="email"]', 'input[name="mail"]'], value: '{{ email }}' });
      expect(filled.ctx.logs).toContainEqual(expect.objectContaining({ level: 'debug', message: expect.stringMatching(/fallback selector 2 of 2, "input\[name=\\"mail\\"\]"/), data: { selector: 'input[name="mail"]', index: 1 } }));
      const pw = await r.step(browserFill, { selectors: ['input[type=password]'], value: '{{ secret }}' });
      expect(JSON.stringify(pw.ctx.logs)).not.toContain('hunter2');
      await r.step(browserFill, { selectors: ['#note'], value: 'Call {{ email }} back' });
      expect((await r.step(browserExtract, { selectors: ['#note'], field: 'note' })).result.emit[0].data.note).toBe('Call ada@example.com back');
      await r.step(browserSelect, { selectors: ['select[name="country"]'], option: '{{ country }}' });
      const clicked = await r.step(browserClick, { selectors: ['text=Send'], expectSelectors: ['#missing', '#thanks'], expectUrl: '/\\/done\\?/' });
      expect(clicked.ctx.logs.some((l) => /Check passed: "#thanks" is visible \(fallback 2 of 2\)/.test(l.message))).toBe(true);
      const link = await r.step(browserExtract, { selectors: ['#order'], what: 'attribute', attribute: 'href', field: 'orderLink' });
      expect(link.result.emit[0].data).toEqual({ ...input, orderLink: '/orders/42' });
      const text = await r.step(browserExtract, { selectors: ['#order'], field: 'order' });
      expect(text.result.emit[0].data.order).toBe('Order 42');
      await r.step(browserVerify, { check: 'text', selectors: ['#thanks'], text: 'Thank you, {{ email }}' });
      await r.step(browserVerify, { check: 'text', selectors: ['.country'], text: 'Country: de', textMatch: 'equals' });
      await r.step(browserVerify, { check: 'url', url: 'mail=ada%40example.com' });
      await r.step(browserVerify, { check: 'visible', selectors: ['#order'] });
      const shot = await r.step(browserScreenshot, { name: 'confirmation.png' });
      expect(shot.ctx.evidenceItems).toHaveLength(1);
      expect(shot.ctx.evidenceItems[0]).toMatchObject({ name: 'confirmation.png', mime: 'image/png' });
      expect(Buffer.from(shot.ctx.evidenceItems[0].content as Uint8Array).subarray(0, 8).toString('hex')).toBe(PNG_MAGIC);
      expect(shot.result.emit[0].data.screenshot).toBe('evidence-1');
    } finally {
      await r.done();
    }
  });

  it('no element found: E_ELEMENT_NOT_FOUND lists every selector tried and attaches a PNG failure screenshot', async () => {
    const r = record();
    try {
      await r.step(browserOpen, { url: `${pages.url}/form` });
      const ctx = makeContext(browserFill, { selectors: ['#nope', 'input[name="email"]', 'text=Nothing here'], value: 'x', timeoutMs: 400 }, {}, { resources: r.resources });
      const err = await failureOf(() => browserFill.run(ctx));
      expect(err).toMatchObject({ code: 'E_ELEMENT_NOT_FOUND' });
      expect(err.message).toContain('"#nope", "input[name=\\"email\\"]", "text=Nothing here"');
      expect(err.message).toContain('within 400 ms');
      expect(err.hint).toMatch(/add a selector/);
      const items = ctx.evidenceItems;
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ name: 'failure.png', mime: 'image/png' });
      expect(Buffer.from(items[0].content as Uint8Array).subarray(0, 8).toString('hex')).toBe(PNG_MAGIC);
    } finally {
      await r.done();
    }
  });

  it('a click whose expected sign does not appear fails E_VERIFY_FAILED, saying what was expected and found', async () => {
    const r = record();
    try {
      await r.step(browserOpen, { url: `${pages.url}/form` });
      const err = await failureOf(() => r.step(browserClick, { selectors: ['#noop'], expectSelectors: ['#thanks'], expectUrl: '/done', timeoutMs: 1000 }));
      expect(err).toMatchObject({ code: 'E_VERIFY_FAILED' });
      expect(err.message).toMatch(/^After clicking "#noop", expected an element matching "#thanks" to be visible and the address to match \/done within 1000 ms; found: no visible element matched; the address is http:\/\/127\.0\.0\.1:\d+\/form\.$/);
    } finally {
      await r.done();
    }
  });

  it('verify failures say what was expected and what was found', async () => {
    const r = record();
    try {
      await r.step(browserOpen, { url: `${pages.url}/done?mail=grace` });
      const text = await failureOf(() => r.step(browserVerify, { check: 'text', selectors: ['#thanks'], text: 'Thank you, ada', timeoutMs: 200 }));
      expect(text).toMatchObject({ code: 'E_VERIFY_FAILED' });
      expect(text.message).toBe('Expected an element matching "#thanks" to show text that contains "Thank you, ada" within 200 ms; found: the element "#thanks" shows "Thank you, grace".');
      const url = await failureOf(() => r.step(browserVerify, { check: 'url', url: '/orders/', timeoutMs: 200 }));
      expect(url.message).toMatch(/^Expected the page address to match \/orders\/ within 200 ms; found: the address is http:\/\/127\.0\.0\.1:\d+\/done\?mail=grace\.$/);
      const missing = await failureOf(() => r.step(browserVerify, { check: 'visible', selectors: ['#nope', '.nope'], timeoutMs: 200 }));
      expect(missing.message).toBe('Expected an element matching "#nope", ".nope" to be visible within 200 ms; found: no element matched.');
      await r.step(browserOpen, { url: `${pages.url}/form` });
      const disabled = await failureOf(() => r.step(browserVerify, { check: 'enabled', selectors: ['#locked'], timeoutMs: 200 }));
      expect(disabled.message).toBe('Expected an element matching "#locked" to be visible and enabled within 200 ms; found: the element "#locked" is disabled.');
      const badOption = await failureOf(() => r.step(browserSelect, { selectors: ['select'], option: 'Spain', timeoutMs: 500 }));
      expect(badOption).toMatchObject({ code: 'E_ELEMENT_NOT_USABLE' });
      expect(badOption.message).toContain('Its options: "Choose…", "France", "Germany".');
    } finally {
      await r.done();
    }
  });

  it('wait-for: an element that appears later, a spinner that goes away, an address', async () => {
    const r = record();
    try {
      await r.step(browserOpen, { url: `${pages.url}/form`, waitUntil: 'domcontentloaded' });
      await r.step(browserWaitFor, { until: 'visible', selectors: ['#later'], timeoutMs: 3000 });
      await r.step(browserWaitFor, { until: 'detached', selectors: ['#spinner'], timeoutMs: 3000 });
      await r.step(browserWaitFor, { until: 'url', url: '/form' });
      const err = await failureOf(() => r.step(browserWaitFor, { until: 'hidden', selectors: ['#later'], timeoutMs: 200 }));
      expect(err).toMatchObject({ code: 'E_VERIFY_FAILED' });
      expect(err.message).toContain('found one with "#later"');
    } finally {
      await r.done();
    }
  });

  it('open: an error page and a page too slow to load fail E_PAGE_LOAD (transient)', async () => {
    const r = record();
    try {
      const e500 = await failureOf(() => r.step(browserOpen, { url: `${pages.url}/error` }));
      expect(e500).toMatchObject({ code: 'E_PAGE_LOAD', transient: true });
      expect(e500.message).toMatch(/\/error answered 500 Internal Server Error\./);
      const slowCtx = makeContext(browserOpen, { url: `${pages.url}/slow`, timeoutMs: 300 }, {}, { resources: r.resources });
      const slow = await failureOf(() => browserOpen.run(slowCtx));
      expect(slow).toMatchObject({ code: 'E_PAGE_LOAD', transient: true });
      expect(slowCtx.evidenceItems.map((e) => e.name)).toEqual(['failure.png']);
      expect(slow.message).toMatch(/did not finish loading \(load\) within 300 ms/);
      const badCtx = makeContext(browserOpen, { url: 'ftp://{{ host }}', timeoutMs: 300 }, { host: 'x' }, { resources: r.resources });
      const bad = await failureOf(() => browserOpen.run(badCtx));
      expect(bad).toMatchObject({ code: 'E_URL_INVALID' });
      expect(bad.message).toContain('"ftp://x" must start with http:// or https://');
      expect(badCtx.evidenceItems).toHaveLength(1); // the page still shows the earlier (500) page
    } finally {
      await r.done();
    }
  });

  it('open: the network policy refuses a blocked address, a redirect to one, and a page\'s requests to one (E_NETWORK_BLOCKED)', async () => {
    const hits: string[] = [];
    const listen = async (server: Server) => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return (server.address() as AddressInfo).port;
    };
    const inside = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<p id="inside">inside</p>');
    });
    const insidePort = await listen(inside);
    const outside = createServer((req, res) => {
      if (req.url === '/go') {
        res.writeHead(302, { location: `http://127.0.0.1:${insidePort}/secret` });
        return res.end();
      }
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<p id="outside">outside</p><img src="http://127.0.0.1:${insidePort}/pixel.png"><iframe src="http://localhost:${insidePort}/frame"></iframe>`);
    });
    const outsidePort = await listen(outside);
    // Only the "outside" site is allowed (by address and port); the "inside" one is this computer.
    const network = networkPolicy([`127.0.0.1:${outsidePort}`], {});
    const scope = new Resources();
    const resources = { run: runScope, record: scope };
    try {
      const direct = await failureOf(() => runNode(browserOpen, { url: `http://127.0.0.1:${insidePort}/`, timeoutMs: 5000 }, {}, { resources, network }));
      expect(direct).toMatchObject({ code: 'E_NETWORK_BLOCKED' });
      expect(direct.message).toContain(`127.0.0.1 port ${insidePort}`);
      expect(hits).toEqual([]);
      const allowed = await runNode(browserOpen, { url: `http://127.0.0.1:${outsidePort}/page`, timeoutMs: 5000 }, {}, { resources, network });
      expect(allowed.ctx.logs.map((l) => l.message).join()).toContain('/page');
      expect(hits).toEqual([]); // neither the image nor the frame reached the blocked address
      const redirected = await failureOf(() => runNode(browserOpen, { url: `http://127.0.0.1:${outsidePort}/go`, timeoutMs: 5000 }, {}, { resources, network }));
      expect(redirected).toMatchObject({ code: 'E_NETWORK_BLOCKED' });
      expect(redirected.message).toContain(`127.0.0.1 port ${insidePort}`);
      expect(hits).toEqual([]); // the hop was refused by the policy proxy before connecting
      const page = await failureOf(() => runNode(browserExtract, { selectors: ['#inside'], field: 'x', timeoutMs: 300 }, {}, { resources, network }));
      expect(page.code).not.toBe(undefined); // the blocked page is not left open for the next step
      expect(JSON.stringify(page)).not.toContain('inside</p>');
    } finally {
      await scope.closeAll();
      for (const s of [inside, outside]) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    }
  });

  it('a step before any open for this record fails E_NO_PAGE, with a hint', async () => {
    const r = record();
    try {
      const err = await failureOf(() => r.step(browserClick, { selectors: ['button'] }));
      expect(err).toMatchObject({ code: 'E_NO_PAGE' });
      expect(err.hint).toMatch(/Browser: open page/);
    } finally {
      await r.done();
    }
  });
});
