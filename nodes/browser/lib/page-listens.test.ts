import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium } from './chromium.ts';
import { focusedFieldHeard } from './page-listens.ts';
import { typeInto } from './typing.ts';

// Whether anything in the page hears a fill's typing (real Chromium): only a page known to hear
// nothing lets the fill skip its watch; anything heard, or anything that cannot be told, keeps it.
let browser: Browser;
let page: Page;
beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage();
});
afterAll(async () => browser?.close());

/** Types into `selector` on a page made of `html`, as a fill does, and asks whether the page heard it. */
async function hearing(html: string, selector = '#f') {
  await page.setContent(html);
  return typed(page.locator(selector));
}

const typed = async (field: Locator) => (await typeInto(field, 'ada@example.com', 'at-once', Date.now() + 5_000, true))?.heard;

// Each its own tag: a page set with setContent keeps its window, and the window its custom elements.
let tags = 0;
const shadowField = (mode: 'open' | 'closed' = 'open') => {
  const tag = `x-box-${++tags}`;
  return `
  <div id="around"><${tag}></${tag}></div>
  <script>
    customElements.define('${tag}', class extends HTMLElement {
      constructor() { super(); this.attachShadow({ mode: '${mode}' }).innerHTML = '<label>Mail <input id="f"></label>'; }
    });
  </script>`;
};

describe('page-listens: does the page hear the typing? (real Chromium)', () => {
  it('a plain form, its buttons\' clicks heard (not typing), hears nothing — filled twice, Conveyor\'s own change listener not counted', async () => {
    const plain = '<form><label>Mail <input id="f"></label><button type="button" onclick="this.textContent = \'ok\'">Go</button></form><script>document.addEventListener("click", () => {}); window.addEventListener("scroll", () => {});</script>';
    expect(await hearing(plain)).toEqual({ heard: false, why: expect.stringContaining('no listener') });
    // The field keeps the focus: typing.ts's listener for the browser's own change event is still on the window.
    expect(await typed(page.locator('#f'))).toMatchObject({ heard: false });
  });

  it('hears listeners on the field, its ancestors, its document and window, inline handlers included', async () => {
    const cases: Array<[string, string]> = [
      ['<input id="f" oninput="1">', 'input on <input id="f">'],
      ['<input id="f"><script>document.getElementById("f").onkeydown = () => {};</script>', 'keydown on <input id="f">'],
      ['<form id="form"><input id="f"></form><script>document.getElementById("form").addEventListener("change", () => {});</script>', 'change on <form id="form">'],
      ['<input id="f"><script>document.addEventListener("input", () => {});</script>', 'input on document'],
      ['<input id="f"><script>window.addEventListener("keyup", () => {});</script>', 'keyup on window'],
      ['<body onfocusin="1"><input id="f"></body>', 'focusin on <body>'],
      ['<input id="f"><script>document.onselectionchange = () => {};</script>', 'selectionchange on document'],
    ];
    for (const [html, heard] of cases) expect(await hearing(html), html).toEqual({ heard: true, why: expect.stringContaining(heard) });
  });

  it('follows the field into an open shadow root: listeners on its host\'s ancestors and on the shadow root count', async () => {
    expect(await hearing(shadowField('open'))).toMatchObject({ heard: false });
    const around = '<script>document.getElementById("around").addEventListener("focusout", () => {});</script>';
    expect(await hearing(shadowField('open').replace('</script>', `</script>${around}`))).toEqual({ heard: true, why: expect.stringContaining('focusout on <div id="around">') });
    const onRoot = shadowField('open').replace("innerHTML = '<label>", "addEventListener('beforeinput', () => {}); this.shadowRoot.innerHTML = '<label>");
    expect(await hearing(onRoot)).toEqual({ heard: true, why: expect.stringContaining('beforeinput on a shadow root') });
  });

  it('follows the field into a frame of the same site; the page around the frame counts too', async () => {
    const framed = (outer: string) => `<iframe id="fr" srcdoc="<input id='f'>"></iframe>${outer}`;
    const field = page.frameLocator('#fr').locator('#f');
    await page.setContent(framed(''));
    expect(await typed(field)).toMatchObject({ heard: false });
    await page.setContent(framed('<script>window.addEventListener("blur", () => {});</script>'));
    expect(await typed(field)).toEqual({ heard: true, why: expect.stringContaining('blur on window') });
  });

  it('in doubt, heard: a closed shadow root, an editable element, the focus not on the element typed into, a page hiding the inspector\'s list', async () => {
    // Playwright reaches no field inside a closed shadow root: the focus, as far as the page tells, is on its host.
    const closed = '<x-pay></x-pay><script>customElements.define("x-pay", class extends HTMLElement { connectedCallback() { const root = this.attachShadow({ mode: "closed" }); root.innerHTML = "<input>"; root.querySelector("input").focus(); } });</script>';
    await page.setContent(closed);
    expect(await focusedFieldHeard(page)).toEqual({ heard: true, why: expect.stringContaining('closed web component') });
    expect(await hearing('<div id="f" contenteditable="true"></div>')).toEqual({ heard: true, why: expect.stringContaining('editable element') });
    // A label's field has the focus, not the label the selector named: not confirmed to be the field.
    expect(await hearing('<label id="f">Mail <input></label>')).toEqual({ heard: true, why: 'the focus is not on the field after typing' });
    expect(await hearing('<input id="f"><script>window.getEventListeners = () => ({});</script>')).toEqual({ heard: true, why: expect.stringContaining('not available') });
  });
});
