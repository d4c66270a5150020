import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { failureOf } from '../sdk/testing.ts';
import type { NodeDefinition, RecordData } from '../sdk/types.ts';
import { networkPolicy } from '../sdk/network.ts';
import { testPagesAndRecords } from './test-records.ts';
import { browserOpen } from './open.ts';
import { browserFill } from './fill.ts';
import { browserClick } from './click.ts';
import { browserVerify } from './verify.ts';
import { browserExtract } from './extract.ts';
import { browserSelect } from './select.ts';
import { browserPress } from './press.ts';
import { browserHover } from './hover.ts';
import { browserWaitFor } from './wait-for.ts';

// Page patterns real sites use and the demo site does not (pattern-pages.ts), with real Chromium:
// the operator's flow works, or fails with an error that says what to do.
// The pages are on 127.0.0.1; "another site" is the same server called localhost.
const pages = testPagesAndRecords(networkPolicy(['127.0.0.1', 'localhost']));

/** A record's steps: each gives back what it emits and logs. */
function stepsOf(r: ReturnType<typeof pages.record>) {
  return {
    async step<S extends z.ZodType>(def: NodeDefinition<S>, params: unknown, data: RecordData = {}) {
      const { result, ctx } = await r.step(def, params, data);
      return { data: result.emit[0].data, logs: ctx.logs.map((l) => l.message) };
    },
  };
}

/** One record: opens the pattern page `name`, runs `test` with the record's steps, then closes the record. */
async function onPage(name: string, test: (r: ReturnType<typeof stepsOf>) => Promise<void>): Promise<void> {
  const r = pages.record();
  try {
    await r.step(browserOpen, { url: `${pages.url}/p/${name}` });
    await test(stepsOf(r));
  } finally {
    await r.done();
  }
}

describe('page patterns of real sites (real Chromium)', () => {
  it('a form inside a frame of the same site is filled, clicked, checked and read with the selectors the inspector shows', async () => {
    await onPage('framed', async (r) => {
      // What the framed form says when it refuses is quoted, as the page's own words are.
      const refused = await failureOf(() => r.step(browserClick, { selectors: ['#send'], expectSelectors: ['#sent'], timeoutMs: 3_000 }));
      expect(refused).toMatchObject({ code: 'E_VERIFY_FAILED' });
      expect(refused.message).toContain('The page says: "Please give your name".');
      // A role selector that matches nothing names that role's elements in the frame too.
      const misnamed = await failureOf(() => r.step(browserClick, { selectors: ['role=button[name="Submit"]'], timeoutMs: 300 }));
      expect(misnamed.message).toContain('Visible elements with role button on the page are named: "Send message".');
      const filled = await r.step(browserFill, { selectors: ['#who'], value: 'Ada', timeoutMs: 5_000 });
      expect(filled.logs.join('\n')).toContain('Found the element with "#who" in the frame "contact"');
      // Nothing in the frame or the page around it listens to the typing: checked at once.
      expect(filled.logs.join('\n')).toContain('Nothing on the page listens to the typing into "#who"');
      await r.step(browserClick, { selectors: ['role=button[name="Send message"]'], expectSelectors: ['#sent'], timeoutMs: 5_000 });
      await r.step(browserVerify, { check: 'text', selectors: ['#sent'], text: 'Message sent by Ada', timeoutMs: 5_000 });
      expect((await r.step(browserExtract, { selectors: ['#sent'], field: 'sent' })).data.sent).toBe('Message sent by Ada');
    });
  });

  it('a frame from another site is searched only when the selector names it (frame=…); otherwise the error says so', async () => {
    await onPage('foreign-frame', async (r) => {
      const err = await failureOf(() => r.step(browserFill, { selectors: ['#who'], value: 'Ada', timeoutMs: 1_000 }));
      expect(err).toMatchObject({ code: 'E_ELEMENT_NOT_FOUND' });
      expect(err.message).toMatch(/The page also shows 1 frame from another site \(http:\/\/localhost:\d+\/p\/frame-form\), not searched: to reach an element inside one, start the selector with the frame, e\.g\. frame=/);
      // Inside a frame from another site the listeners cannot be told: the field is watched.
      const watched = await r.step(browserFill, { selectors: ['frame=#widget >> #who'], value: 'Grace', timeoutMs: 5_000 });
      expect(watched.logs.join('\n')).not.toContain('Nothing on the page listens');
      await r.step(browserClick, { selectors: ['frame=#widget >> text=Send message'], expectSelectors: ['frame=#widget >> #sent'], timeoutMs: 5_000 });
      expect((await r.step(browserExtract, { selectors: ['frame=iframe[src*="localhost"] >> #sent'], field: 'sent' })).data.sent).toBe('Message sent by Grace');
    });
  });

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
      await r.step(browserFill, { selectors: ['#email'], value: 'ada@example.com', timeoutMs: 5_000 });
      // The site answers 1.5 s after typing, after the fill is done: the click waits for the button, then the form is sent.
      await r.step(browserClick, { selectors: ['role=button[name="Create account"]'], expectSelectors: ['text=Account created'], timeoutMs: 5_000 });
    });
  });

  it('choose in list: lists the page draws (role="option") are opened, chosen in and checked; a list of plain divs is refused with what to do', async () => {
    await onPage('custom-lists', async (r) => {
      await r.step(browserSelect, { selectors: ['role=button[name="Country"]'], option: 'Germany', timeoutMs: 5_000 });
      await r.step(browserVerify, { check: 'text', selectors: ['#country'], text: 'Germany', textMatch: 'equals', timeoutMs: 500 });
      // Geneva is not among the three cities drawn until something is typed.
      await r.step(browserSelect, { selectors: ['#city'], option: 'Geneva', timeoutMs: 5_000 });
      expect((await r.step(browserExtract, { selectors: ['#city'], what: 'value', field: 'city' })).data.city).toBe('Geneva');
      // The search field empties itself on the choice: the choice shows beside it, which is the sign.
      await r.step(browserSelect, { selectors: ['role=combobox[name="Fruit"]'], option: 'Banana', timeoutMs: 5_000 });
      await r.step(browserVerify, { check: 'text', selectors: ['#fruit-value'], text: 'Banana', textMatch: 'equals', timeoutMs: 500 });
      await r.step(browserSelect, { selectors: ['role=listbox[name="Size"]'], option: 'Large', timeoutMs: 5_000 });
      await r.step(browserVerify, { check: 'visible', selectors: ['#sizes [aria-selected="true"]:text-is("Large")'], timeoutMs: 500 });

      const missing = await failureOf(() => r.step(browserSelect, { selectors: ['#country'], option: 'Spain', timeoutMs: 2_000 }));
      expect(missing).toMatchObject({ code: 'E_ELEMENT_NOT_USABLE' });
      expect(missing.message).toBe('The list found with "#country" has no option with the label "Spain". Its options: "France", "Germany", "The Netherlands".');
      // No success without the sign: a list that closes without taking the choice fails.
      const ignored = await failureOf(() => r.step(browserSelect, { selectors: ['#plan'], option: 'Pro', timeoutMs: 3_000 }));
      expect(ignored).toMatchObject({ code: 'E_VERIFY_FAILED' });
      expect(ignored.message).toBe('After choosing "Pro" in the list "#plan", expected the list to show it; it shows "Choose a plan".');
      const plain = await failureOf(() => r.step(browserSelect, { selectors: ['#size'], option: 'Large', timeoutMs: 1_000 }));
      expect(plain).toMatchObject({ code: 'E_ELEMENT_NOT_USABLE' });
      expect(plain.message).toBe('Could not choose an option in the element found with "#size": it is not a drop-down list: neither a <select> nor a list whose choices are marked role="option"');
      expect(plain.hint).toMatch(/^Choose with two "Browser: click" steps instead: one on the list to open it, one on the choice/);
    });
  });

  it('fill: a checkbox or radio button is ticked as the value says (again and again: unlike a click), a date or number written another way is refused saying how to write it', async () => {
    await onPage('choices', async (r) => {
      for (let i = 0; i < 2; i++) await r.step(browserFill, { selectors: ['role=checkbox[name="gift"]'], value: 'yes', timeoutMs: 5_000 });
      await r.step(browserFill, { selectors: ['text=Send me offers'], value: '{{ offers }}', timeoutMs: 5_000 }, { offers: false });
      await r.step(browserFill, { selectors: ['role=radio[name="Express"]'], value: 'x', timeoutMs: 5_000 });
      await r.step(browserVerify, { check: 'visible', selectors: ['#gift:checked'], timeoutMs: 500 });
      await r.step(browserVerify, { check: 'visible', selectors: ['input[value="exp"]:checked'], timeoutMs: 500 });
      const offers = await failureOf(() => r.step(browserVerify, { check: 'visible', selectors: ['#news:checked'], timeoutMs: 300 }));
      expect(offers).toMatchObject({ code: 'E_VERIFY_FAILED' });

      const maybe = await failureOf(() => r.step(browserFill, { selectors: ['#gift'], value: 'maybe', timeoutMs: 1_000 }));
      expect(maybe).toMatchObject({ code: 'E_ELEMENT_NOT_USABLE' });
      expect(maybe.message).toBe('The field found with "#gift" is a checkbox: it takes yes or no (true/false, on/off, 1/0, x or empty), and the value given is neither.');
      const untick = await failureOf(() => r.step(browserFill, { selectors: ['role=radio[name="Standard"]'], value: 'no', timeoutMs: 1_000 }));
      expect(untick.message).toContain('is a radio button: it cannot be unticked');

      await r.step(browserFill, { selectors: ['#when'], value: '2025-03-14', timeoutMs: 5_000 });
      await r.step(browserFill, { selectors: ['#qty'], value: '3', timeoutMs: 5_000 });
      const date = await failureOf(() => r.step(browserFill, { selectors: ['#when'], value: '14/03/2025', timeoutMs: 1_000 }));
      expect(date).toMatchObject({ code: 'E_ELEMENT_NOT_USABLE' });
      expect(date.message).toBe('The field found with "#when" is a date field: it takes a value written YYYY-MM-DD, e.g. 2025-03-14, and the value given is not written that way.');
      expect(date.hint).toContain("$fromMillis($toMillis(date, '[D01]/[M01]/[Y0001]'), '[Y0001]-[M01]-[D01]')");
      const amount = await failureOf(() => r.step(browserFill, { selectors: ['role=spinbutton[name="Quantity"]'], value: '1,5', timeoutMs: 1_000 }));
      expect(amount.message).toContain('is a number field: it takes a value written with digits and a dot for decimals');
      // The field kept what it had: nothing half-typed.
      expect((await r.step(browserExtract, { selectors: ['#qty'], what: 'value', field: 'qty' })).data.qty).toBe('3');
    });
  });

  it('fill waits until the page is done with the field: a mask\'s grouping is the value, a rewrite that changes it fails showing its shape, a field cleared on focus is typed again', async () => {
    await onPage('masks', async (r) => {
      const value = async (selector: string) => (await r.step(browserExtract, { selectors: [selector], what: 'value', field: 'v' })).data.v;
      // The hint the page clears just after the field gets the focus does not eat what was typed, key by key or at once (below).
      await r.step(browserFill, { selectors: ['#nick'], value: 'Ada', typing: 'key-by-key', timeoutMs: 5_000 });
      expect(await value('#nick')).toBe('Ada');
      // Grouped 300 ms after typing, or at once and in capitals: the same letters and digits, so the fill holds.
      const phone = await r.step(browserFill, { selectors: ['#phone'], value: '0612345678', timeoutMs: 5_000 });
      expect(phone.logs).toContain('The page wrote the value its own way in "#phone" (shaped 99 99 99 99 99): the same letters and digits, in the same order.');
      expect(await value('#phone')).toBe('06 12 34 56 78');
      await r.step(browserFill, { selectors: ['#iban'], value: 'de89370400440532013000', timeoutMs: 5_000 });
      expect(await value('#iban')).toBe('DE89 3704 0044 0532 0130 00');
      await r.step(browserFill, { selectors: ['#nick'], value: 'Grace', timeoutMs: 5_000 });
      expect(await value('#nick')).toBe('Grace');
      // A code field that sends itself and goes away once complete: filled, and the page moved on.
      await r.step(browserFill, { selectors: ['#otp'], value: '4711', timeoutMs: 5_000 });
      await r.step(browserVerify, { check: 'text', selectors: ['#otp-ok'], text: 'Code accepted', timeoutMs: 1_000 });

      // A date mask regroups the digits typed: the field said "2025-03-14" at first, then the page made it another date.
      const birth = await failureOf(() => r.step(browserFill, { selectors: ['#birth'], value: '2025-03-14', timeoutMs: 3_000 }));
      expect(birth).toMatchObject({ code: 'E_VERIFY_FAILED' });
      expect(birth.message).toMatch(/^After filling the field found with "#birth", expected it to hold the 10 characters given shaped 9999-99-99; it did, then the page rewrote it \d+ ms later: it now holds 10 characters shaped 99\/99\/9999\.$/);
      expect(birth.hint).toContain('give the value in the form the field expects');
      // A field the page empties a moment after typing (a code it does not know) is not reported filled.
      const coupon = await failureOf(() => r.step(browserFill, { selectors: ['#coupon'], value: 'SAVE10', timeoutMs: 3_000 }));
      expect(coupon).toMatchObject({ code: 'E_VERIFY_FAILED' });
      expect(coupon.message).toMatch(/then the page rewrote it \d+ ms later: it now holds nothing\.$/);
      await r.step(browserFill, { selectors: ['#coupon'], value: 'WELCOME', timeoutMs: 5_000 });
      expect(await value('#coupon')).toBe('WELCOME');
      // Wait for the page = 0: checked at once, so the rewrite that comes later is not seen (the trade for speed).
      const started = Date.now();
      await r.step(browserFill, { selectors: ['#coupon'], value: 'SAVE10', settleMs: 0, timeoutMs: 3_000 });
      expect(Date.now() - started).toBeLessThan(1_500);
    });
  });

  it('fill checks at once a field nothing on the page listens to, without watching it; a later rewrite by a timer is then not seen (the accepted trade)', async () => {
    await onPage('quiet-form', async (r) => {
      const name = await r.step(browserFill, { selectors: ['#name'], value: 'Ada', timeoutMs: 5_000 });
      expect(name.logs.join('\n')).toMatch(/^Nothing on the page listens to the typing into "#name" \(no listener for typing, key, focus or change events on it, the elements around it, its document or its window\): checked at once, without waiting 500 ms for the page\.$/m);
      // The page's timer empties the field 300 ms after it holds something: a watch would see it; the fill checks at once and passes.
      const promo = await r.step(browserFill, { selectors: ['#promo'], value: 'SAVE10', timeoutMs: 5_000 });
      expect(promo.logs.join('\n')).toContain('Nothing on the page listens to the typing into "#promo"');
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect((await r.step(browserExtract, { selectors: ['#promo'], what: 'value', field: 'v' })).data.v).toBe('');
    });
  });

  it('fill still watches a field the page hears — a listener on the document, an inline oninput handler, a keyup listener on the window, a focusout listener around a web component — and sees the page empty it', async () => {
    const quiet = 'Nothing on the page listens to the typing';
    const emptied = /^After filling the field found with "#(coupon|voucher)", expected it to hold the 6 characters given shaped AAAA99; it did, then the page rewrote it \d+ ms later: it now holds nothing\.$/;
    await onPage('heard', async (r) => {
      // Nothing hears the coupon field here (its page's listeners come with the address below): checked at once.
      expect((await r.step(browserFill, { selectors: ['#coupon'], value: 'SAVE10', timeoutMs: 5_000 })).logs.join('\n')).toContain(quiet);
      expect((await r.step(browserFill, { selectors: ['#member'], value: '4711', timeoutMs: 5_000 })).logs.join('\n')).toContain(quiet);
      const inline = await failureOf(() => r.step(browserFill, { selectors: ['#voucher'], value: 'SAVE10', timeoutMs: 3_000 }));
      expect(inline).toMatchObject({ code: 'E_VERIFY_FAILED', message: expect.stringMatching(emptied) });
    });
    await onPage('heard#delegated', async (r) => {
      const delegated = await failureOf(() => r.step(browserFill, { selectors: ['#coupon'], value: 'SAVE10', timeoutMs: 3_000 }));
      expect(delegated).toMatchObject({ code: 'E_VERIFY_FAILED', message: expect.stringMatching(emptied) });
    });
    await onPage('heard#keyup', async (r) => {
      const keyup = await failureOf(() => r.step(browserFill, { selectors: ['#coupon'], value: 'SAVE10', typing: 'key-by-key', timeoutMs: 3_000 }));
      expect(keyup).toMatchObject({ code: 'E_VERIFY_FAILED', message: expect.stringMatching(emptied) });
    });
    await onPage('heard#focusout', async (r) => {
      // The focusout listener does nothing while the fill watches: watched all the same (the shadow root's field is heard through its host).
      const member = await r.step(browserFill, { selectors: ['#member'], value: '4711', timeoutMs: 5_000 });
      expect(member.logs.join('\n')).not.toContain(quiet);
      expect((await r.step(browserFill, { selectors: ['#coupon'], value: 'SAVE10', timeoutMs: 5_000 })).logs.join('\n')).toContain(quiet);
    });
  });

  it('fill: a date and time written with seconds is held as the browser writes it; a date that does not exist is refused; a switch drawn over a hidden checkbox is ticked and clicked through its text or the hidden input\'s own selectors', async () => {
    await onPage('choices', async (r) => {
      await r.step(browserFill, { selectors: ['#pickup'], value: '2025-03-14T09:30:00', timeoutMs: 5_000 });
      expect((await r.step(browserExtract, { selectors: ['#pickup'], what: 'value', field: 'v' })).data.v).toBe('2025-03-14T09:30');
      const impossible = await failureOf(() => r.step(browserFill, { selectors: ['#when'], value: '2025-02-30', timeoutMs: 1_000 }));
      expect(impossible).toMatchObject({ code: 'E_ELEMENT_NOT_USABLE' });
      expect(impossible.message).toBe('The field found with "#when" is a date field, and the value given is written the right way but names no real date (e.g. 2025-02-30 or 25:00): the browser would leave the field empty.');
      await r.step(browserFill, { selectors: ['text=I accept the terms'], value: 'yes', timeoutMs: 5_000 });
      await r.step(browserVerify, { check: 'visible', selectors: ['label:has(#terms:checked)'], timeoutMs: 500 });
      // The hidden input itself, as the inspector names it, stands for its label.
      const untick = await r.step(browserFill, { selectors: ['#terms'], value: 'no', timeoutMs: 5_000 });
      expect(untick.logs).toContain('Found the element with "#terms": a hidden tick box, used through its label (the page draws its own box there).');
      await r.step(browserVerify, { check: 'visible', selectors: ['label:has(#terms:not(:checked))'], timeoutMs: 500 });
      await r.step(browserClick, { selectors: ['role=checkbox[name="I accept the terms"]'], expectSelectors: ['label:has(#terms:checked)'], timeoutMs: 5_000 });
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

  it('choose in list: a <select> the page hides behind its own drawn list is set directly, and the page is told', async () => {
    await onPage('hidden-select', async (r) => {
      const chose = await r.step(browserSelect, { selectors: ['#country'], option: 'Germany', timeoutMs: 5_000 });
      expect(chose.logs.join('\n')).toContain('The list "#country" is hidden (the page draws its own over it): chose "Germany" in it directly.');
      // The page's own drawn list heard of it (the change event), as when a person chooses.
      await r.step(browserVerify, { check: 'text', selectors: ['#shown'], text: 'Germany', textMatch: 'equals', timeoutMs: 500 });
      expect((await r.step(browserExtract, { selectors: ['#country'], what: 'value', field: 'v' })).data.v).toBe('de');
      // An option written with a non-breaking space is chosen by the words a reader sees.
      await r.step(browserSelect, { selectors: ['#country'], option: 'The Netherlands', timeoutMs: 5_000 });
      expect((await r.step(browserExtract, { selectors: ['#country'], what: 'value', field: 'v' })).data.v).toBe('nl');
      // Only a hidden <select> is used so: a hidden field of another kind is still not found.
      const hiddenField = await failureOf(() => r.step(browserFill, { selectors: ['#country'], value: 'x', timeoutMs: 300 }));
      expect(hiddenField).toMatchObject({ code: 'E_ELEMENT_NOT_FOUND' });
    });
  });

  it('choose in list: a group of radio buttons is chosen in by label or value, drawn buttons (hidden inputs) through their labels; a <select> in groups by its options\' labels', async () => {
    await onPage('choices', async (r) => {
      await r.step(browserSelect, { selectors: ['fieldset'], option: 'Express (next day)', timeoutMs: 5_000 });
      await r.step(browserVerify, { check: 'visible', selectors: ['input[value="exp"]:checked'], timeoutMs: 500 });
      await r.step(browserSelect, { selectors: ['role=radiogroup[name="Payment"]'], option: 'invoice', by: 'value', timeoutMs: 5_000 });
      await r.step(browserVerify, { check: 'visible', selectors: ['#pay:has(#pay-invoice:checked)'], timeoutMs: 500 });
      // A <select> in groups: an option is chosen by the label the list shows (its label attribute), a group's heading is not an option.
      await r.step(browserSelect, { selectors: ['role=combobox[name="Car"]'], option: 'Volkswagen', timeoutMs: 5_000 });
      expect((await r.step(browserExtract, { selectors: ['#car'], what: 'value', field: 'car' })).data.car).toBe('vw');
      const group = await failureOf(() => r.step(browserSelect, { selectors: ['#car'], option: 'German', timeoutMs: 1_000 }));
      expect(group.message).toBe('The list found with "#car" has no option with the label "German" (that is the heading of a group of its options, which cannot be chosen). Its options: "Volvo", "Volkswagen", "Audi".');
      const missing = await failureOf(() => r.step(browserSelect, { selectors: ['fieldset'], option: 'Pick-up', timeoutMs: 1_000 }));
      expect(missing).toMatchObject({ code: 'E_ELEMENT_NOT_USABLE' });
      expect(missing.message).toBe('The group of radio buttons found with "fieldset" has no choice with the label "Pick-up". Its choices: "Standard", "Express (next day)".');
    });
  });

  it('fill tells the page the field changed, as leaving it does; typing key by key reaches a page that listens to key presses, and the error for a button left disabled says so', async () => {
    await onPage('typing', async (r) => {
      await r.step(browserFill, { selectors: ['#postcode'], value: '75001', timeoutMs: 5_000 });
      await r.step(browserVerify, { check: 'text', selectors: ['#city'], text: 'City for 75001', timeoutMs: 1_000 });
      await r.step(browserFill, { selectors: ['#code'], value: '1234', timeoutMs: 5_000 });
      // Leaving the postcode field (the fill above moved to another) told the page nothing new: one change for one value.
      await r.step(browserVerify, { check: 'text', selectors: ['#changes'], text: '1', textMatch: 'equals', timeoutMs: 1_000 });
      const disabled = await failureOf(() => r.step(browserClick, { selectors: ['#go'], expectSelectors: ['#ok'], timeoutMs: 2_000 }));
      expect(disabled.message).toContain('it stayed disabled');
      expect(disabled.hint).toContain('set the fill step\'s Typing to key-by-key.');
      // Key by key replaces what the field held, like typing at once.
      await r.step(browserFill, { selectors: ['#code'], value: '5678', typing: 'key-by-key', timeoutMs: 5_000 });
      await r.step(browserClick, { selectors: ['#go'], expectSelectors: ['#ok'], timeoutMs: 5_000 });
      expect((await r.step(browserExtract, { selectors: ['#code'], what: 'value', field: 'code' })).data.code).toBe('5678');
    });
  });

  it('fields inside a web component (open shadow root) are found, filled, clicked and read like any other; one inside a closed shadow root is not found, and the error says why', async () => {
    await onPage('shadow', async (r) => {
      await r.step(browserFill, { selectors: ['role=textbox[name="Login"]'], value: 'ada', timeoutMs: 5_000 });
      await r.step(browserClick, { selectors: ['sign-in-box #go'], expectSelectors: ['#hello'], timeoutMs: 5_000 });
      await r.step(browserVerify, { check: 'text', selectors: ['#hello'], text: 'Welcome ada', textMatch: 'equals', timeoutMs: 1_000 });
      expect((await r.step(browserExtract, { selectors: ['#login'], what: 'value', field: 'login' })).data.login).toBe('ada');
      // A closed one: nothing reaches inside, and the error says so instead of leaving the operator to hunt for a selector.
      const closed = await failureOf(() => r.step(browserFill, { selectors: ['#card-number'], value: '4111', timeoutMs: 500 }));
      expect(closed).toMatchObject({ code: 'E_ELEMENT_NOT_FOUND' });
      expect(closed.message).toContain('The page also holds 1 web component whose inside is closed to scripts (<card-box id="card">): no selector reaches an element inside one, so if the element is there, the steps cannot use it.');
    });
  });

  it('a page that keeps form values in its script (React: input events, Vue .lazy: change events) submits what was filled', async () => {
    await onPage('controlled', async (r) => {
      await r.step(browserFill, { selectors: ['#name'], value: 'Ada', timeoutMs: 5_000 });
      await r.step(browserFill, { selectors: ['#city'], value: 'Paris', timeoutMs: 5_000 });
      await r.step(browserClick, { selectors: ['text=Save'], expectSelectors: ['#saved'], timeoutMs: 5_000 });
      await r.step(browserVerify, { check: 'text', selectors: ['#saved'], text: 'Saved: Ada / Paris', textMatch: 'equals', timeoutMs: 1_000 });
    });
  });

  it('a click whose sign is in the tab it opened goes on there (target=_blank, window.open); a tab not asked for is left; a tab closing itself brings the steps back', async () => {
    await onPage('tabs', async (r) => {
      // The terms open beside the form, and the click's sign is on the form: the steps stay on it.
      await r.step(browserClick, { selectors: ['#terms'], expectSelectors: ['#name'], timeoutMs: 5_000 });
      await r.step(browserFill, { selectors: ['#name'], value: 'Ada', timeoutMs: 5_000 });
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
      await r.step(browserFill, { selectors: ['#name'], value: 'Ada', timeoutMs: 5_000 });
      // A sign found nowhere: the error says a tab opened and the sign was not there either.
      const err = await failureOf(() => r.step(browserClick, { selectors: ['#terms'], expectSelectors: ['#receipt'], timeoutMs: 1_000 }));
      expect(err.message).toMatch(/found: no visible element matched; the action opened a new tab \(.*\/p\/tab-terms\), where the sign was not seen either\./);
    });
  });

  it('the page\'s own dialogs are answered as a person would (confirm and alert OK, a prompt its proposed answer), told in the log, and an alert\'s words quoted when the step fails', async () => {
    await onPage('dialogs', async (r) => {
      const sent = await r.step(browserClick, { selectors: ['#send'], expectSelectors: ['#sent'], timeoutMs: 5_000 });
      expect(sent.logs).toContain('The page showed a question in a dialog: "Send the order?" — answered OK.');
      await r.step(browserFill, { selectors: ['#email'], value: 'ada.example.com', timeoutMs: 5_000 });
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
      await r.step(browserFill, { selectors: ['role=textbox[name="Search"]'], value: 'bakery lyon', timeoutMs: 5_000 });
      // On the focused field (the one just filled).
      await r.step(browserPress, { key: 'Enter', expectSelectors: ['text=Results for bakery lyon'], timeoutMs: 5_000 });
      await r.step(browserFill, { selectors: ['#q'], value: 'P', timeoutMs: 5_000 });
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
      await steps.step(browserFill, { selectors: ['#q'], value: 'bakery', timeoutMs: 5_000 });
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
