import { describe, expect, it } from 'vitest';
import { failureOf } from '../sdk/testing.ts';
import { patternPages } from './pattern-records.ts';
import { browserOpen } from './open.ts';
import { browserFill } from './fill.ts';
import { browserClick } from './click.ts';
import { browserVerify } from './verify.ts';
import { browserExtract } from './extract.ts';
import { browserPress } from './press.ts';
import { browserHover } from './hover.ts';
import { browserWaitFor } from './wait-for.ts';

// Page patterns real sites use and the demo site does not (pattern-pages.ts), with real Chromium:
// the operator's flow works, or fails with an error that says what to do. Here: clicks, keys,
// scrolling, tabs, dialogs, reading and loading; fields and forms are in page-patterns.test.ts.
// Fills here check at once (settleMs 0): no test is about the fill's watch and no script rewrites
// the fields (the fills' own tests are in page-patterns.test.ts).
const { pages, stepsOf, onPage } = patternPages();

describe('page patterns of real sites: clicks, keys, scrolling, tabs, dialogs, loading (real Chromium)', () => {
  it('a click on a button covered by a cookie banner fails naming the banner, and clicks nothing; a disabled button says it stayed disabled', async () => {
    await onPage('overlay', async (r) => {
      const covered = await failureOf(() => r.step(browserClick, { selectors: ['#order'], expectUrl: '/p/thanks', timeoutMs: 3_000 }));
      expect(covered).toMatchObject({ code: 'E_ELEMENT_NOT_USABLE' });
      expect(covered.message).toMatch(/^Could not click the element found with "#order": it is covered by <div class="consent" id="cookie-banner">…<\/div>, which would get the click instead \(locator\.click: Timeout \d+ms exceeded\.\)/);
      expect(covered.hint).toMatch(/cookie banner.*add a "Browser: click" step before this one that closes it/);
      await r.step(browserVerify, { check: 'url', url: '/p/overlay', timeoutMs: 500 });
      const disabled = await failureOf(() => r.step(browserClick, { selectors: ['text=Pay later'], timeoutMs: 2_000 }));
      expect(disabled.message).toContain('Could not click the element found with "text=Pay later": it stayed disabled (');
      // Closing the banner first, as the hint says, lets the click through.
      await r.step(browserClick, { selectors: ['role=button[name="Accept all"]'], expectSelectors: [], timeoutMs: 5_000 });
      await r.step(browserClick, { selectors: ['#order'], expectUrl: '/p/thanks', expectSelectors: ['#thanks'], timeoutMs: 5_000 });
    });
  });

  it('a click on a button the page enables only after checking the form waits for it within its limit', async () => {
    await onPage('checked-signup', async (r) => {
      await r.step(browserFill, { selectors: ['#email'], value: 'ada@example.com', settleMs: 0, timeoutMs: 5_000 });
      // The site answers 1.5 s after typing, after the fill is done: the click waits for the button, then the form is sent.
      await r.step(browserClick, { selectors: ['role=button[name="Create account"]'], expectSelectors: ['text=Account created'], timeoutMs: 5_000 });
    });
  });

  it('text is compared and read as a reader sees it: odd spaces and invisible characters do not count, capitals count unless a style makes them', async () => {
    await onPage('text', async (r) => {
      await r.step(browserVerify, { check: 'text', selectors: ['#total'], text: 'Total:\u00a01 234,50 €', textMatch: 'equals', timeoutMs: 1_000 });
      await r.step(browserVerify, { check: 'text', selectors: ['#status'], text: 'Order confirmed', textMatch: 'equals', timeoutMs: 1_000 });
      // "Con&shy;firmation num&shy;ber 77" and a text the page's style writes in capitals.
      await r.step(browserVerify, { check: 'text', selectors: ['#shy'], text: 'Confirmation number 77', textMatch: 'equals', timeoutMs: 1_000 });
      await r.step(browserVerify, { check: 'text', selectors: ['#shout'], text: 'Payment received', timeoutMs: 1_000 });
      const read = async (selector: string) => (await r.step(browserExtract, { selectors: [selector], field: 'v' })).data.v;
      expect(await read('#total')).toBe('Total: 1 234,50 €');
      expect(await read('#shy')).toBe('Confirmation number 77');
      // Capitals the page itself wrote still count, and the error says that is the only difference.
      const lower = await failureOf(() => r.step(browserVerify, { check: 'text', selectors: ['#status'], text: 'order confirmed', timeoutMs: 300 }));
      expect(lower).toMatchObject({ code: 'E_VERIFY_FAILED' });
      expect(lower.message).toContain('found: the element "#status" shows "Order confirmed" (the same words in other capitals: the check compares letter case).');
      // Any visible element the selector matches may show it: a new toast under an old one still shown.
      await r.step(browserVerify, { check: 'text', selectors: ['.toast'], text: 'Order sent', timeoutMs: 1_000 });
      const hidden = await failureOf(() => r.step(browserVerify, { check: 'text', selectors: ['.toast'], text: 'Order cancelled', timeoutMs: 300 }));
      expect(hidden.message).toContain('found: the element ".toast" shows "Draft saved" (and 1 other visible element it matches, none showing it).');
    });
  });

  it('an element the page adds only when scrolled to is found by scrolling down, as a reader would; one off-screen in a scrolling box is used as it is', async () => {
    await onPage('scrolling', async (r) => {
      await r.step(browserClick, { selectors: ['#last'], expectSelectors: ['text=Picked'], timeoutMs: 5_000 });
      const more = await r.step(browserExtract, { selectors: ['#more'], field: 'more', timeoutMs: 5_000 });
      expect(more.data.more).toBe('Result 21');
      expect(more.logs.join('\n')).toContain('Found the element with "#more" once the page was scrolled down.');
    });
    // On a page of its own, from its top: the page above was scrolled to its end already, and whether
    // it had more to scroll when the step looked depended on the machine's speed (failed once, loaded).
    await onPage('scrolling', async (r) => {
      const never = await failureOf(() => r.step(browserExtract, { selectors: ['#nothing'], field: 'x', timeoutMs: 2_500 }));
      expect(never.message).toMatch(/^No element matched any of the 1 selector tried within 2500 ms: "#nothing", on http:\/\/127\.0\.0\.1:\d+\/p\/scrolling \(scrolled down while looking\)\./);
    });
  });

  it('in an app whose window does not scroll, the content pane is scrolled to find what it adds at its end', async () => {
    await onPage('app-shell', async (r) => {
      const older = await r.step(browserExtract, { selectors: ['#older'], field: 'older', timeoutMs: 6_000 });
      expect(older.data.older).toBe('Message 81');
    });
  });

  it('a click whose sign is in the tab it opened goes on there (target=_blank, window.open); a tab not asked for is left; a tab closing itself brings the steps back', async () => {
    await onPage('tabs', async (r) => {
      // The terms open beside the form, and the click's sign is on the form: the steps stay on it.
      await r.step(browserClick, { selectors: ['#terms'], expectSelectors: ['#name'], timeoutMs: 5_000 });
      await r.step(browserFill, { selectors: ['#name'], value: 'Ada', settleMs: 0, timeoutMs: 5_000 });
      // The payment page opens in a new tab, where the sign is: the next steps work in it.
      const pay = await r.step(browserClick, { selectors: ['#pay'], expectSelectors: ['#paid'], timeoutMs: 5_000 });
      expect(pay.logs.join('\n')).toMatch(/the sign is in the new tab it opened \(http:\/\/127\.0\.0\.1:\d+\/p\/tab-pay\)/);
      await r.step(browserClick, { selectors: ['#confirm'], expectSelectors: ['#done'], timeoutMs: 5_000 });
      await r.step(browserVerify, { check: 'text', selectors: ['#done'], text: 'Paid', textMatch: 'equals', timeoutMs: 1_000 });
    });
    await onPage('tabs', async (r) => {
      // A sign-in window: followed, then it closes itself after telling its opener; the steps are back on the form.
      await r.step(browserClick, { selectors: ['#signin'], expectSelectors: ['#account'], timeoutMs: 5_000 });
      await r.step(browserClick, { selectors: ['#allow'], expectSelectors: ['text=Signed in as ada'], timeoutMs: 5_000 });
      await r.step(browserFill, { selectors: ['#name'], value: 'Ada', settleMs: 0, timeoutMs: 5_000 });
      // A sign found nowhere: the error says a tab opened and the sign was not there either.
      const err = await failureOf(() => r.step(browserClick, { selectors: ['#terms'], expectSelectors: ['#receipt'], timeoutMs: 1_000 }));
      expect(err.message).toMatch(/found: no visible element matched; the action opened a new tab \(.*\/p\/tab-terms\), where the sign was not seen either\./);
    });
  });

  it('the page\'s own dialogs are answered as a person would (confirm and alert OK, a prompt its proposed answer), told in the log, and an alert\'s words quoted when the step fails', async () => {
    await onPage('dialogs', async (r) => {
      const sent = await r.step(browserClick, { selectors: ['#send'], expectSelectors: ['#sent'], timeoutMs: 5_000 });
      expect(sent.logs).toContain('The page showed a question in a dialog: "Send the order?" — answered OK.');
      await r.step(browserFill, { selectors: ['#email'], value: 'ada.example.com', settleMs: 0, timeoutMs: 5_000 });
      const refused = await failureOf(() => r.step(browserClick, { selectors: ['#check'], expectSelectors: ['#ok'], timeoutMs: 1_000 }));
      expect(refused).toMatchObject({ code: 'E_VERIFY_FAILED' });
      expect(refused.message).toContain('The page says: "Please enter a valid email".');
      const named = await r.step(browserClick, { selectors: ['#name'], expectSelectors: ['text=Hello Ada'], timeoutMs: 5_000 });
      expect(named.logs).toContain('The page showed a prompt in a dialog: "Your name?" — answered OK with "Ada".');
    });
  });

  it('read from page, every element: a list of results, their links, a table\'s cells, fields\' values — in page order, tidied', async () => {
    await onPage('results', async (r) => {
      const names = await r.step(browserExtract, { selectors: ['.hit a'], matches: 'all', field: 'names', timeoutMs: 5_000 });
      expect(names.data.names).toEqual(['Alpha bakery', 'Beta', 'Gamma']);
      expect((await r.step(browserExtract, { selectors: ['.hit a'], matches: 'all', what: 'attribute', attribute: 'href', field: 'links' })).data.links).toEqual(['/shop/alpha', '/shop/beta', '/shop/gamma']);
      expect((await r.step(browserExtract, { selectors: ['.price'], matches: 'all', field: 'prices' })).data.prices).toEqual(['12,50 €', '8 €', '']);
      expect((await r.step(browserExtract, { selectors: ['#missing', 'td.sku'], matches: 'all', field: 'skus' })).data.skus).toEqual(['A-1', 'B-2']);
      expect((await r.step(browserExtract, { selectors: ['.note'], matches: 'all', what: 'value', field: 'notes' })).data.notes).toEqual(['first', 'second']);
      // The first element only, as before.
      expect((await r.step(browserExtract, { selectors: ['.hit a'], field: 'first' })).data.first).toBe('Alpha bakery');
      const none = await failureOf(() => r.step(browserExtract, { selectors: ['.nothing'], matches: 'all', field: 'x', timeoutMs: 300 }));
      expect(none.code).toBe('E_ELEMENT_NOT_FOUND');
    });
  });

  it('press key: Escape closes a window over the page, Enter submits a search box with no button, ArrowDown picks a suggestion', async () => {
    await onPage('keys', async (r) => {
      await r.step(browserPress, { key: 'Escape', timeoutMs: 5_000 });
      await r.step(browserWaitFor, { until: 'hidden', selectors: ['#modal'], timeoutMs: 1_000 });
      await r.step(browserFill, { selectors: ['role=textbox[name="Search"]'], value: 'bakery lyon', settleMs: 0, timeoutMs: 5_000 });
      // On the focused field (the one just filled).
      await r.step(browserPress, { key: 'Enter', expectSelectors: ['text=Results for bakery lyon'], timeoutMs: 5_000 });
      await r.step(browserFill, { selectors: ['#q'], value: 'P', settleMs: 0, timeoutMs: 5_000 });
      await r.step(browserPress, { selectors: ['#q'], key: 'ArrowDown', times: 2, timeoutMs: 5_000 });
      await r.step(browserPress, { selectors: ['#q'], key: 'Enter', expectSelectors: ['text=Results for Prague'], timeoutMs: 5_000 });
      // A key the sign does not follow fails like a click that did nothing; a key with no name is refused.
      const nothing = await failureOf(() => r.step(browserPress, { selectors: ['#q'], key: 'Tab', expectSelectors: ['text=Results for Porto'], timeoutMs: 500 }));
      expect(nothing.code).toBe('E_VERIFY_FAILED');
      expect(nothing.message).toMatch(/^After pressing Tab on "#q", expected an element matching "text=Results for Porto"/);
      const unknown = await failureOf(() => r.step(browserPress, { key: 'Enterr', timeoutMs: 500 }));
      expect(unknown.code).toBe('E_INPUT_INVALID');
    });
  });

  it('point at: a menu that shows its entries only while pointed at opens, and its entry is clicked', async () => {
    await onPage('hover-menu', async (r) => {
      const hidden = await failureOf(() => r.step(browserClick, { selectors: ['text=Bread'], timeoutMs: 300 }));
      expect(hidden.code).toBe('E_ELEMENT_NOT_FOUND');
      await r.step(browserHover, { selectors: ['text=Products'], expectSelectors: ['text=Bread'], timeoutMs: 5_000 });
      await r.step(browserClick, { selectors: ['text=Bread'], expectUrl: '/p/thanks', expectSelectors: ['#thanks'], timeoutMs: 5_000 });
    });
  });

  it('a page that never finishes loading (an image that never comes) is used once the open step\'s sign shows; without a sign the failure names what it still waits for', async () => {
    const url = `${pages.url}/p/never-loads`;
    const r = pages.record();
    try {
      const opened = await r.step(browserOpen, { url, expectSelectors: ['#q'], timeoutMs: 1_500 });
      expect(opened.ctx.logs.map((l) => l.message)).toContain(`The page ${url} did not finish loading (load) within 1500 ms — still waiting for: ${pages.url}/never?pixel.gif (image). Its text was all there and the step's sign shows: the page is used as it is.`);
      const steps = stepsOf(r);
      await steps.step(browserFill, { selectors: ['#q'], value: 'bakery', settleMs: 0, timeoutMs: 5_000 });
      await steps.step(browserClick, { selectors: ['#go'], expectSelectors: ['text=3 results'], timeoutMs: 5_000 });

      const bare = await failureOf(() => r.step(browserOpen, { url, timeoutMs: 1_000 }));
      expect(bare).toMatchObject({ code: 'E_PAGE_LOAD', transient: true });
      expect(bare.message).toBe(`The page ${url} did not finish loading (load) within 1000 ms — still waiting for: ${pages.url}/never?pixel.gif (image).`);
      expect(bare.hint).toContain('or give the step a "Then expect" sign: the page is then used once the sign shows.');
      const unseen = await failureOf(() => r.step(browserOpen, { url, expectSelectors: ['#results'], timeoutMs: 1_000 }));
      expect(unseen).toMatchObject({ code: 'E_PAGE_LOAD' });
      expect(unseen.message).toContain('(image). The step\'s sign did not show either: After opening');
    } finally {
      await r.done();
    }
  });

  it('the sign after a click is waited for both when the click loads a new page slowly and when a single-page app changes the address itself', async () => {
    // The checkout page is answered 800 ms after the click; "Checkout" is also the link's text on the first page.
    await onPage('routes', async (r) => {
      await r.step(browserClick, { selectors: ['#checkout'], expectUrl: '/p/slow-checkout', expectSelectors: ['h1:text-is("Checkout")'], timeoutMs: 5_000 });
      await r.step(browserVerify, { check: 'text', selectors: ['#title'], text: 'Checkout', textMatch: 'equals', timeoutMs: 100 });
    });
    // history.pushState, then the view is drawn 300 ms later.
    await onPage('routes', async (r) => {
      await r.step(browserClick, { selectors: ['#spa'], expectUrl: '/p/spa/checkout', expectSelectors: ['h1:text-is("Checkout")'], timeoutMs: 5_000 });
      await r.step(browserVerify, { check: 'text', selectors: ['#title'], text: 'Checkout', textMatch: 'equals', timeoutMs: 100 });
    });
  });
});
