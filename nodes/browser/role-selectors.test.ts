import { describe, expect, it } from 'vitest';
import { failureOf } from '../sdk/testing.ts';
import { testPagesAndRecords } from './test-records.ts';
import { browserOpen } from './open.ts';
import { browserClick } from './click.ts';
import { browserVerify } from './verify.ts';
import { toPlaywrightSelector } from './lib/role-selector.ts';

// The test pages are served on 127.0.0.1: allowed explicitly, as an administrator would (CONVEYOR_ALLOW_HOSTS).
process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';

// Issue 10, point 10: `role=checkbox[name="I accept the terms"]` finds the checkbox labelled "I accept
// the terms and the privacy policy", as the selector help promises; when nothing matches, the error
// names the elements of that role the page has. Real Chromium.
const pages = testPagesAndRecords();
const record = pages.record;

describe('role selectors match as people read them (real Chromium)', () => {
  it('a name is matched in part and in any letter case; [name="…"s] asks for the exact name', async () => {
    const r = record();
    try {
      await r.step(browserOpen, { url: `${pages.url}/account` });
      await r.step(browserClick, { selectors: ['role=checkbox[name="I accept the terms"]'], expectSelectors: ['#tos:checked'], timeoutMs: 2_000 });
      await r.step(browserClick, { selectors: ['role=checkbox[name="the NEWSLETTER"]'], expectSelectors: ['#news:checked'], timeoutMs: 2_000 });
      await r.step(browserVerify, { check: 'visible', selectors: ["form >> role=button[name='create account']"], timeoutMs: 1_000 });
      await r.step(browserVerify, { check: 'visible', selectors: ['role=checkbox[name="I accept the terms and the privacy policy"s][checked]'], timeoutMs: 1_000 });

      const exact = await failureOf(() => r.step(browserClick, { selectors: ['role=checkbox[name="I accept the terms"s]'], timeoutMs: 300 }));
      expect(exact).toMatchObject({ code: 'E_ELEMENT_NOT_FOUND' });
    } finally {
      await r.done();
    }
  });

  it('nothing matched: the error lists the accessible names of that role found on the page', async () => {
    const r = record();
    try {
      await r.step(browserOpen, { url: `${pages.url}/account` });
      const err = await failureOf(() => r.step(browserClick, { selectors: ['role=checkbox[name="I agree to the rules"]', '#agree'], timeoutMs: 300 }));
      expect(err).toMatchObject({ code: 'E_ELEMENT_NOT_FOUND' });
      expect(err.message).toContain('Visible elements with role checkbox on the page are named: "I accept the terms and the privacy policy", "Send me the newsletter".');

      const none = await failureOf(() => r.step(browserClick, { selectors: ['role=combobox[name="Country"]'], timeoutMs: 300 }));
      expect(none.message).toContain('No visible element with role combobox is on the page.');

      const verify = await failureOf(() => r.step(browserVerify, { check: 'visible', selectors: ['role=link[name="Terms"]'], timeoutMs: 300 }));
      expect(verify).toMatchObject({ code: 'E_VERIFY_FAILED' });
      expect(verify.message).toContain('found: no element matched. No visible element with role link is on the page.');

      // The sign expected after a click says it too.
      const after = await failureOf(() => r.step(browserClick, { selectors: ['#news'], expectSelectors: ['role=button[name="Finish"]'], timeoutMs: 300 }));
      expect(after).toMatchObject({ code: 'E_VERIFY_FAILED' });
      expect(after.message).toContain('Visible elements with role button on the page are named: "Create account", "Check token", "Send code"');
    } finally {
      await r.done();
    }
  });

  it('translates only the role parts of a selector, keeping flags, regular expressions and quotes', () => {
    expect(toPlaywrightSelector('role=checkbox[name="I accept"]')).toBe('internal:role=checkbox[name="I accept"i]');
    expect(toPlaywrightSelector("role=button[name='Send'][pressed]")).toBe("internal:role=button[name='Send'i][pressed]");
    expect(toPlaywrightSelector('role=button[name="Send"s]')).toBe('internal:role=button[name="Send"s]');
    expect(toPlaywrightSelector('role=button[name=/send/i]')).toBe('internal:role=button[name=/send/i]');
    expect(toPlaywrightSelector('role=link[name=Home]')).toBe('internal:role=link[name="Home"i]');
    expect(toPlaywrightSelector('role=heading[level=2]')).toBe('internal:role=heading[level=2]');
    expect(toPlaywrightSelector('#form >> role=button[name="a >> b"]')).toBe('#form >> internal:role=button[name="a >> b"i]');
    expect(toPlaywrightSelector('button[aria-label="role=x"]')).toBe('button[aria-label="role=x"]');
    expect(toPlaywrightSelector('text=role=button')).toBe('text=role=button');
    // frame= enters the frame it names; a role part after it is still translated.
    expect(toPlaywrightSelector('frame=#pay >> #card')).toBe('#pay >> internal:control=enter-frame >> #card');
    expect(toPlaywrightSelector('frame=iframe[title="a >> b"] >> role=button[name="Pay"]')).toBe('iframe[title="a >> b"] >> internal:control=enter-frame >> internal:role=button[name="Pay"i]');
  });
});
