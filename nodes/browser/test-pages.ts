import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PATTERN_PAGES, SLOW_PATTERN_PAGES } from './pattern-pages.ts';

/** Test helper: a local web server with the small pages the browser steps' tests use. */

const page = (title: string, body: string): string => `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body style="font:16px sans-serif">${body}</body></html>`;

const FORM = page(
  'Sign up',
  `<form action="/done" method="get">
     <label>E-mail <input name="mail" autocomplete="off"></label>
     <label>Password <input type="password" name="pass"></label>
     <label>Country <select name="country"><option value="">Choose…</option><option value="fr">France</option><option value="de">Germany</option></select></label>
     <div id="note" contenteditable="true" style="min-height:1em;border:1px solid #ccc"></div>
     <button type="button" id="noop">Does nothing</button>
     <button id="locked" type="button" disabled>Locked</button>
     <button type="submit">Send</button>
   </form>
   <div id="later" hidden>Ready</div>
   <div id="spinner">Loading…</div>
   <script>setTimeout(() => { document.getElementById('later').hidden = false; document.getElementById('spinner').remove(); }, 300);</script>`,
);

/**
 * A page built unlike the demo signup site: no ids or classes that say "error", everything done by
 * script without leaving the page. Creating the account flags the email field aria-invalid and
 * writes the reason into the hint it points to (aria-describedby); the token form announces its
 * refusal in a role=alert toast; the code field is required (the browser's own validation).
 */
const ACCOUNT = page(
  'Create your account',
  `<main>
     <form id="account" novalidate>
       <label for="addr">Work email</label>
       <input id="addr" name="addr" type="email" aria-describedby="addr-hint">
       <small id="addr-hint">We never share it.</small>
       <label><input type="checkbox" id="tos"> I accept the terms and the privacy policy</label>
       <label><input type="checkbox" id="news"> Send me the newsletter</label>
       <button type="button" id="create">Create account</button>
     </form>
     <form id="token-form">
       <label>Token <input name="token" id="token"></label>
       <button type="button" id="check">Check token</button>
       <div class="toast-area"></div>
     </form>
     <form id="code-form" onsubmit="event.preventDefault()">
       <label>Code <input name="code" id="code" required></label>
       <button type="submit" id="send-code">Send code</button>
     </form>
     <p id="result" hidden>All good</p>
   </main>
   <script>
     document.getElementById('create').onclick = () => setTimeout(() => {
       const addr = document.getElementById('addr');
       addr.setAttribute('aria-invalid', 'true');
       document.getElementById('addr-hint').textContent = 'An account already exists';
     }, 50);
     document.getElementById('check').onclick = () => setTimeout(() => {
       const toast = document.createElement('div');
       toast.setAttribute('role', 'alert');
       toast.textContent = 'That token is not valid';
       document.querySelector('.toast-area').append(toast);
     }, 50);
   </script>`,
);

/**
 * A sign-in form drawn by web components, as design systems draw theirs: the field, the hint its
 * aria-describedby names and the alert all live in open shadow roots (one inside another), where
 * the document's own queries do not reach.
 */
const SHADOW_FORM = page(
  'Sign in',
  `<x-signin></x-signin><p id="result" hidden>Signed in</p>
   <script>
     customElements.define('x-alert', class extends HTMLElement {
       constructor() { super(); this.attachShadow({ mode: 'open' }).innerHTML = '<div role="alert" id="msg"></div>'; }
       say(text) { this.shadowRoot.getElementById('msg').textContent = text; }
     });
     customElements.define('x-signin', class extends HTMLElement {
       constructor() {
         super();
         const root = this.attachShadow({ mode: 'open' });
         root.innerHTML = '<label for="otp">One-time code</label><input id="otp" aria-describedby="otp-help"><small id="otp-help">Six digits</small>'
           + '<button id="go">Sign in</button><x-alert></x-alert>';
         root.getElementById('go').onclick = () => setTimeout(() => {
           const otp = root.getElementById('otp');
           otp.setAttribute('aria-invalid', 'true');
           root.getElementById('otp-help').textContent = 'This code has expired';
           root.querySelector('x-alert').say('Sign-in failed: request a new code');
         }, 50);
       }
     });
   </script>`,
);

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface TestSite {
  url: string;
  close(): Promise<void>;
}

export async function startTestSite(): Promise<TestSite> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const html = (status: number, body: string, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...headers });
      res.end(body);
    };
    switch (url.pathname) {
      case '/form':
        return html(200, FORM);
      case '/account':
        return html(200, ACCOUNT);
      case '/shadow-signin':
        return html(200, SHADOW_FORM);
      case '/done': {
        const mail = escapeHtml(url.searchParams.get('mail') ?? '');
        const country = escapeHtml(url.searchParams.get('country') ?? '');
        return html(200, page('Done', `<h1 id="thanks">Thank you, ${mail}</h1><p class="country">Country: ${country}</p><a id="order" href="/orders/42" data-id="42">  Order   42 </a>`));
      }
      case '/never':
        // A resource whose server never answers (an image or a tracking script of a page that never
        // reaches "load"): the connection is held until the site closes.
        return;
      case '/slow':
        setTimeout(() => html(200, page('Slow', '<p id="slow">finally</p>')), 3000).unref();
        return;
      case '/error':
        return html(500, page('Oops', '<p>Internal error</p>'));
      case '/set-cookie':
        return html(200, page('Cookie', '<p>set</p>'), { 'set-cookie': `who=${encodeURIComponent(url.searchParams.get('v') ?? '')}; Path=/` });
      case '/cookies':
        return html(200, page('Cookies', `<p id="cookies">[${escapeHtml(req.headers.cookie ?? '')}]</p>`));
      default: {
        const name = url.pathname.startsWith('/p/') ? url.pathname.slice(3) : '';
        if (Object.hasOwn(PATTERN_PAGES, name)) return html(200, PATTERN_PAGES[name]);
        const slow = Object.hasOwn(SLOW_PATTERN_PAGES, name) ? SLOW_PATTERN_PAGES[name] : undefined;
        if (slow) {
          setTimeout(() => html(200, slow.html), slow.delayMs).unref();
          return;
        }
        return html(404, page('Not found', '<p>Not found</p>'));
      }
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
