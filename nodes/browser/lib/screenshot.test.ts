import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from './chromium.ts';
import { maskedScreenshot } from './screenshot.ts';

let browser: Browser;
let page: Page;
beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 480, height: 240 } });
});
afterAll(async () => browser?.close());

const login = (user: string, password: string, note = '') => `
  <body style="margin:20px;font:24px sans-serif">
    <input name="user" value="${user}" style="font:24px monospace;width:400px"><br><br>
    <input type="password" name="pass" value="${password}" style="font:24px monospace;width:400px">
    <div data-conveyor-secret style="font:24px monospace">${note}</div>
  </body>`;

describe('evidence screenshots (real Chromium)', () => {
  it('paint over password fields: two different passwords give the same picture', async () => {
    await page.setContent(login('ada', 'hunter2-AAAA'));
    const a = await maskedScreenshot(page);
    await page.setContent(login('ada', 'zzzzzzzzzzzzzzzzzz'));
    const b = await maskedScreenshot(page);
    expect(a.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(Buffer.compare(a, b)).toBe(0);
    // Without the mask the two pages do differ: the comparison above is not vacuous.
    await page.setContent(login('ada', 'hunter2-AAAA'));
    const rawA = await page.screenshot({ animations: 'disabled', caret: 'hide' });
    await page.setContent(login('ada', 'zzzzzzzzzzzzzzzzzz'));
    const rawB = await page.screenshot({ animations: 'disabled', caret: 'hide' });
    expect(Buffer.compare(rawA, rawB)).not.toBe(0);
  });

  it('paints over password fields and marked elements inside frames as well', async () => {
    const framed = (password: string, note: string) =>
      `<body style="margin:0"><iframe style="width:460px;height:220px;border:0" srcdoc="${login('ada', password, note).replace(/"/g, '&quot;')}"></iframe></body>`;
    const shot = async (html: string, masked: boolean) => {
      await page.setContent(html);
      await page.frames()[1].waitForSelector('[data-conveyor-secret]', { state: 'attached' });
      return masked ? maskedScreenshot(page) : page.screenshot({ animations: 'disabled', caret: 'hide' });
    };
    expect(Buffer.compare(await shot(framed('hunter2-AAAA', 'token 1234'), true), await shot(framed('zzzzzzzzzzzzzzzzzz', 'token 9999'), true))).toBe(0);
    // Without the mask the two framed pages do differ: the comparison above is not vacuous.
    expect(Buffer.compare(await shot(framed('hunter2-AAAA', 'token 1234'), false), await shot(framed('zzzzzzzzzzzzzzzzzz', 'token 9999'), false))).not.toBe(0);
  });

  it('still shows what is not secret, and masks extra selectors and marked elements', async () => {
    await page.setContent(login('ada', 'same-password', 'token 1234'));
    const ada = await maskedScreenshot(page);
    await page.setContent(login('grace', 'same-password', 'token 9999'));
    const grace = await maskedScreenshot(page);
    expect(Buffer.compare(ada, grace)).not.toBe(0);
    await page.setContent(login('ada', 'same-password', 'token 1234'));
    const hiddenAda = await maskedScreenshot(page, { mask: ['input[name="user"]'] });
    await page.setContent(login('grace', 'same-password', 'token 9999'));
    const hiddenGrace = await maskedScreenshot(page, { mask: ['input[name="user"]'] });
    expect(Buffer.compare(hiddenAda, hiddenGrace)).toBe(0);
  });
});
