import { describe, expect, it } from 'vitest';
import { failureOf } from '../sdk/testing.ts';
import { servedPages, testPagesAndRecords } from './test-records.ts';
import { browserOpen } from './open.ts';
import { browserFill } from './fill.ts';

// The test pages are served on 127.0.0.1: allowed explicitly, as an administrator would (CONVEYOR_ALLOW_HOSTS).
process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';

// Person checks as sites embed them (real Chromium). The services' frames cannot load here (no
// internet, and the network policy refuses their hosts): their elements stand in the page as the
// services' documented embeds put them, which is what the check reads.
const PAGES: Record<string, string> = {
  recaptcha: `<form><p>Prove you are human to continue.</p><div class="g-recaptcha" data-sitekey="k"><iframe title="reCAPTCHA" width="304" height="78" src="https://www.google.com/recaptcha/api2/anchor?ar=1&k=k&size=normal"></iframe></div></form>`,
  cloudflare: `<title>Just a moment...</title><script>window._cf_chl_opt = { cType: 'managed' };</script><div id="challenge-stage"><p>Verify you are human by completing the action below.</p></div>`,
  turnstile: `<form><input name="first"><div class="cf-turnstile" style="width:300px;height:65px"><iframe style="width:300px;height:65px;border:0" src="https://challenges.cloudflare.com/cdn-cgi/challenge-platform/h/b/turnstile/if/ov2/av0/rcv/x/0x4AAA/auto/normal"></iframe></div></form>`,
  // An invisible reCAPTCHA (v3): its badge frame and the submit button it is bound to ask nothing.
  invisible: `<form><input id="email"><button class="g-recaptcha" data-sitekey="k" data-callback="go">Sign up</button></form><div class="grecaptcha-badge" style="width:256px;height:60px"><iframe width="256" height="60" src="https://www.google.com/recaptcha/api2/anchor?ar=1&k=k&size=invisible"></iframe></div>`,
};

const pages = servedPages(PAGES);

const t = testPagesAndRecords();

describe('a check that a person is there, in the way of a browser step (real Chromium)', () => {
  it.each([
    ['recaptcha', 'reCAPTCHA'],
    ['cloudflare', 'Cloudflare'],
    ['turnstile', 'Cloudflare Turnstile'],
  ])('a field missing behind %s: E_PAGE_CHALLENGE naming it, the step\'s own words kept', { timeout: 60_000 }, async (name, kind) => {
    const r = t.record({ email: 'ann@example.com' });
    try {
      await r.step(browserOpen, { url: `${pages.base}/${name}` });
      const err = await failureOf(() => r.step(browserFill, { selectors: ['#email'], value: '{{ email }}', timeoutMs: 1_500 }));
      expect(err.code).toBe('E_PAGE_CHALLENGE');
      expect(err.message).toContain(`(${kind})`);
      expect(err.message).toContain('#email');
      expect(err.hint).toContain('review');
    } finally {
      await r.done();
    }
  });

  it('an invisible CAPTCHA (v3 badge, a submit button bound to it) asks nothing: fills work, a missing field is E_ELEMENT_NOT_FOUND', { timeout: 60_000 }, async () => {
    const r = t.record({ email: 'ann@example.com' });
    try {
      await r.step(browserOpen, { url: `${pages.base}/invisible` });
      await r.step(browserFill, { selectors: ['#email'], value: '{{ email }}', settleMs: 0 });
      const err = await failureOf(() => r.step(browserFill, { selectors: ['#phone'], value: '1', timeoutMs: 1_500 }));
      expect(err.code).toBe('E_ELEMENT_NOT_FOUND');
    } finally {
      await r.done();
    }
  });
});
