import { describe, expect, it } from 'vitest';
import { failureOf } from '../sdk/testing.ts';
import { patternPages } from './pattern-records.ts';
import { browserFill } from './fill.ts';
import { browserClick } from './click.ts';
import { browserVerify } from './verify.ts';
import { browserExtract } from './extract.ts';
import { browserSelect } from './select.ts';

// Page patterns real sites use and the demo site does not (pattern-pages.ts), with real Chromium:
// the operator's flow works, or fails with an error that says what to do. Here: fields and forms —
// frames, lists the page draws, tick boxes, masks, web components, script-kept form state; clicks,
// keys, scrolling, tabs, dialogs and loading are in page-patterns-actions.test.ts (two files, two workers).
// Fills of fields no script rewrites, in tests not about the fill's watch, check at once (settleMs 0):
// half a second less each.
const { onPage } = patternPages();

describe('page patterns of real sites: fields and forms (real Chromium)', () => {
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

      await r.step(browserFill, { selectors: ['#when'], value: '2025-03-14', settleMs: 0, timeoutMs: 5_000 });
      await r.step(browserFill, { selectors: ['#qty'], value: '3', settleMs: 0, timeoutMs: 5_000 });
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
      // One that sends itself on its change event is gone before the first look: it held the PIN when it went.
      const pin = await r.step(browserFill, { selectors: ['#pin'], value: '2468', timeoutMs: 5_000 });
      expect(pin.logs).toContain('The field "#pin" went away after it was typed into (the page moved on); it held the value until then.');
      await r.step(browserVerify, { check: 'text', selectors: ['#pin-ok'], text: 'PIN sent', timeoutMs: 1_000 });

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

  it('fill stops watching a field the page never stops rewriting after 3 s, and checks it as it is then: the step ends long before its timeout', async () => {
    await onPage('masks', async (r) => {
      const started = Date.now();
      // Bare or grouped, the field holds the number typed whenever it is checked; only the watch's cap ends the step before its timeout.
      const mobile = await r.step(browserFill, { selectors: ['#mobile'], value: '0612345678', timeoutMs: 20_000 });
      const took = Date.now() - started;
      expect(mobile.logs).toContain('Filled the field "#mobile" (10 characters).');
      // 3 s and the typing, with room for a loaded machine. No lower bound: under heavy load the page's
      // timer can stall for the 500 ms the watch waits for, and the watch then ends sooner (seen at load 20).
      expect(took).toBeLessThan(7_000);
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
    // Seen holding the value first, then emptied — or, on a loaded machine, already emptied at the first look.
    const emptied = /^After filling the field found with "#(coupon|voucher)", expected it to hold the 6 characters given shaped AAAA99; it (did, then the page rewrote it \d+ ms later: it now )?holds nothing\.$/;
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
      await r.step(browserFill, { selectors: ['#pickup'], value: '2025-03-14T09:30:00', settleMs: 0, timeoutMs: 5_000 });
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
      await r.step(browserFill, { selectors: ['role=textbox[name="Login"]'], value: 'ada', settleMs: 0, timeoutMs: 5_000 });
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

});
