/**
 * Test helper: pages built the ways real sites are and the demo site is not — web components,
 * frames, script-kept form state, custom lists, covered buttons, scrolling, single-page routes,
 * odd spaces. Served by test-pages.ts under /p/<name>; each page's comment says what it stands for.
 */

const page = (title: string, body: string): string => `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body style="font:16px sans-serif">${body}</body></html>`;

/**
 * A sign-in box as a web component: its field and button live in an open shadow root. Beside it a
 * card widget whose shadow root is closed (as payment widgets make theirs): no script reaches inside.
 */
const SHADOW = page(
  'Web component',
  `<sign-in-box></sign-in-box>
   <card-box id="card"></card-box>
   <script>
     customElements.define('card-box', class extends HTMLElement {
       connectedCallback() { this.attachShadow({ mode: 'closed' }).innerHTML = '<label>Card number <input id="card-number"></label>'; }
     });
     customElements.define('sign-in-box', class extends HTMLElement {
       connectedCallback() {
         const root = this.attachShadow({ mode: 'open' });
         root.innerHTML = '<label>Login <input id="login" name="login"></label><button id="go">Sign in</button><p id="hello" hidden></p>';
         root.getElementById('go').onclick = () => {
           const hello = root.getElementById('hello');
           hello.textContent = 'Welcome ' + root.getElementById('login').value;
           hello.hidden = false;
         };
       }
     });
   </script>`,
);

/** A form in a same-origin frame (an embedded widget, an old portal's frameset, a rich-text editor). */
const FRAMED = page(
  'Frames',
  `<h1>Contact us</h1>
   <iframe id="contact" name="contact" src="/p/frame-form" style="width:600px;height:200px"></iframe>`,
);
/** The same form from another site (localhost instead of 127.0.0.1: another origin), like a hosted widget. */
const FOREIGN_FRAME = page(
  'Hosted widget',
  `<h1>Contact us</h1>
   <iframe id="widget" style="width:600px;height:200px"></iframe>
   <script>document.getElementById('widget').src = 'http://localhost:' + location.port + '/p/frame-form';</script>`,
);
const FRAME_FORM = page(
  'Framed form',
  `<label>Your name <input id="who" name="who"></label>
   <button id="send" type="button">Send message</button>
   <p id="sent" hidden></p>
   <p id="problem" role="alert"></p>
   <script>
     document.getElementById('send').onclick = () => {
       if (!document.getElementById('who').value) {
         document.getElementById('problem').textContent = 'Please give your name';
         return;
       }
       const sent = document.getElementById('sent');
       sent.textContent = 'Message sent by ' + document.getElementById('who').value;
       sent.hidden = false;
     };
   </script>`,
);

/**
 * Fields whose value lives in the page's script, as React and Vue keep it: the state changes only on
 * the events a person's typing fires, and each render writes the state back into the field. A value
 * set without those events is gone at the next render, and the submitted data never had it.
 */
const CONTROLLED = page(
  'Controlled fields',
  `<form id="f">
     <label>Name <input id="name"></label>
     <label>City <input id="city"></label>
     <button type="submit">Save</button>
   </form>
   <p id="saved" hidden></p>
   <script>
     const state = { name: '', city: '' };
     const render = () => { for (const k of Object.keys(state)) document.getElementById(k).value = state[k]; };
     // React: onChange is the input event. Vue's v-model.lazy: the change event.
     document.getElementById('name').addEventListener('input', (e) => { state.name = e.target.value; render(); });
     document.getElementById('city').addEventListener('change', (e) => { state.city = e.target.value; render(); });
     document.getElementById('f').onsubmit = (e) => {
       e.preventDefault();
       render();
       const saved = document.getElementById('saved');
       saved.textContent = 'Saved: ' + state.name + ' / ' + state.city;
       saved.hidden = false;
     };
   </script>`,
);

/**
 * Lists that are not a <select>: an ARIA listbox opened by a button (most design systems), a
 * search-as-you-type combobox that draws only a few matches, one that shows the choice beside its
 * emptied search field, a listbox always open, one that does not take the choice, and a list of
 * plain divs with no roles at all.
 */
const CUSTOM_LISTS = page(
  'Custom lists',
  `<div style="position:relative">
     <span id="country-label">Country</span>
     <button type="button" id="country" aria-haspopup="listbox" aria-expanded="false" aria-labelledby="country-label country">Choose…</button>
     <ul id="countries" role="listbox" aria-labelledby="country-label" hidden style="list-style:none;margin:0;padding:0;border:1px solid #999">
       <li role="option" id="c-fr" data-value="fr" aria-selected="false">France</li>
       <li role="option" id="c-de" data-value="de" aria-selected="false">Germany</li>
       <li role="option" id="c-nl" data-value="nl" aria-selected="false">The Netherlands</li>
     </ul>
   </div>
   <label for="city">City</label>
   <input id="city" role="combobox" aria-controls="cities" aria-expanded="false" autocomplete="off">
   <ul id="cities" role="listbox" hidden></ul>
   <ul id="sizes" role="listbox" aria-label="Size"><li role="option" aria-selected="true">Small</li><li role="option" aria-selected="false">Large</li></ul>
   <button type="button" id="plan" aria-haspopup="listbox">Choose a plan</button>
   <ul id="plans" role="listbox" hidden><li role="option">Basic</li><li role="option">Pro</li></ul>
   <div class="select-box"><div class="select-value" id="fruit-value"></div><input id="fruit" role="combobox" aria-expanded="false" aria-label="Fruit" autocomplete="off"><div class="select-menu" id="fruits" hidden></div></div>
   <div class="plain-select" id="size">
     <div class="current">Pick a size</div>
     <div class="menu" hidden><div class="item">Small</div><div class="item">Large</div></div>
   </div>
   <script>
     const button = document.getElementById('country');
     const list = document.getElementById('countries');
     const open = (yes) => { list.hidden = !yes; button.setAttribute('aria-expanded', String(yes)); };
     button.onclick = () => open(list.hidden);
     for (const o of list.querySelectorAll('[role=option]')) {
       o.onclick = () => {
         for (const x of list.querySelectorAll('[role=option]')) x.setAttribute('aria-selected', String(x === o));
         button.textContent = o.textContent;
         open(false);
       };
     }
     // A search-as-you-type field: it draws only the first three cities that match what is typed.
     const city = document.getElementById('city');
     const cities = document.getElementById('cities');
     const all = ['Amsterdam', 'Berlin', 'Copenhagen', 'Dublin', 'Edinburgh', 'Florence', 'Geneva', 'Hamburg'];
     const draw = () => {
       cities.replaceChildren(...all.filter((c) => c.toLowerCase().includes(city.value.toLowerCase())).slice(0, 3).map((c) => {
         const li = document.createElement('li');
         li.setAttribute('role', 'option');
         li.textContent = c;
         li.onclick = () => { city.value = c; cities.hidden = true; city.setAttribute('aria-expanded', 'false'); };
         return li;
       }));
       cities.hidden = false;
       city.setAttribute('aria-expanded', 'true');
     };
     city.onclick = draw;
     city.oninput = draw;
     for (const o of document.querySelectorAll('#sizes [role=option]')) {
       o.onclick = () => { for (const x of document.querySelectorAll('#sizes [role=option]')) x.setAttribute('aria-selected', String(x === o)); };
     }
     // A list that closes on a choice but does not take it (a script error on the page).
     document.getElementById('plan').onclick = () => { document.getElementById('plans').hidden = false; };
     for (const o of document.querySelectorAll('#plans [role=option]')) o.onclick = () => { document.getElementById('plans').hidden = true; };
     // A search field that empties itself on a choice and shows it beside itself (react-select, Select2).
     const fruit = document.getElementById('fruit'), fruits = document.getElementById('fruits');
     const openFruits = () => {
       fruits.replaceChildren(...['Apple', 'Banana', 'Cherry'].filter((f) => f.toLowerCase().includes(fruit.value.toLowerCase())).map((f) => {
         const o = document.createElement('div');
         o.setAttribute('role', 'option');
         o.textContent = f;
         o.onmousedown = (e) => { e.preventDefault(); document.getElementById('fruit-value').textContent = f; fruit.value = ''; fruits.hidden = true; fruit.setAttribute('aria-expanded', 'false'); };
         return o;
       }));
       fruits.hidden = false;
       fruit.setAttribute('aria-expanded', 'true');
     };
     fruit.addEventListener('mousedown', openFruits);
     fruit.addEventListener('input', openFruits);
     const size = document.getElementById('size');
     size.querySelector('.current').onclick = () => { size.querySelector('.menu').hidden = false; };
     for (const i of size.querySelectorAll('.item')) i.onclick = () => { size.querySelector('.current').textContent = i.textContent; size.querySelector('.menu').hidden = true; };
   </script>`,
);

/**
 * A <select> the page hides and draws its own list over (Chosen, bootstrap-select, Tom Select): the
 * drawn list shows what the hidden one holds, updated on its change event; the form sends the
 * hidden one's value.
 */
const HIDDEN_SELECT = page(
  'Hidden select',
  `<form action="/p/thanks">
     <label for="country">Country</label>
     <select id="country" name="country" style="display:none"><option value="">Choose…</option><option value="fr">France</option><option value="de">Germany</option><option value="nl">The&nbsp;Netherlands</option></select>
     <div class="chosen-container"><a class="chosen-single"><span id="shown">Choose…</span></a></div>
   </form>
   <script>
     document.getElementById('country').addEventListener('change', (e) => { document.getElementById('shown').textContent = e.target.selectedOptions[0].text; });
   </script>`,
);

/**
 * Pages that react to how a field is typed into, not to its value: a button enabled only by key
 * presses (an old keyup listener), and a lookup run when the field is left (the change event, as a
 * postcode that fills in the city).
 */
const TYPING = page(
  'Typing',
  `<label>Code <input id="code"></label>
   <button type="button" id="go" disabled onclick="document.getElementById('ok').hidden = false">Go</button>
   <p id="ok" hidden>Code accepted</p>
   <label>Postcode <input id="postcode"></label>
   <p id="city"></p>
   <p>Changes heard: <span id="changes">0</span></p>
   <script>
     document.getElementById('code').addEventListener('keyup', (e) => { document.getElementById('go').disabled = !e.target.value; });
     let changes = 0;
     document.getElementById('postcode').addEventListener('change', (e) => { document.getElementById('city').textContent = 'City for ' + e.target.value; document.getElementById('changes').textContent = String(++changes); });
   </script>`,
);

/** Choices by their labels (radio buttons and a switch drawn by the page: their inputs hidden; a list in groups, one option shown by its label attribute), and fields that take a format of their own (date, date and time, number). */
const CHOICES = page(
  'Choices',
  `<fieldset><legend>Delivery</legend>
     <label><input type="radio" name="ship" value="std" checked> Standard</label>
     <label><input type="radio" name="ship" value="exp"> Express (next day)</label>
   </fieldset>
   <div role="radiogroup" aria-label="Payment" id="pay">
     <input type="radio" name="pay" id="pay-card" value="card" style="display:none"><label for="pay-card">Card</label>
     <input type="radio" name="pay" id="pay-invoice" value="invoice" style="display:none"><label for="pay-invoice">Invoice</label>
   </div>
   <label><input type="checkbox" id="gift"> This is a gift</label>
   <label><input type="checkbox" id="news" checked> Send me offers</label>
   <label>Delivery date <input type="date" id="when"></label>
   <label>Quantity <input type="number" id="qty" min="1" step="1"></label>
   <label>Pick-up <input type="datetime-local" id="pickup"></label>
   <label>Car <select id="car"><optgroup label="Swedish"><option value="volvo">Volvo</option></optgroup><optgroup label="German"><option value="vw" label="Volkswagen">VW</option><option value="audi">Audi</option></optgroup></select></label>
   <label class="switch"><input type="checkbox" id="terms" style="position:absolute;opacity:0;width:0;height:0"><span class="knob">I accept the terms</span></label>`,
);

/**
 * Fields the page rewrites after they are typed into, as sign-up and payment forms do: a phone mask
 * that groups the digits 300 ms after the last key (a debounce), an IBAN mask that groups and
 * capitalises at once, a date mask that puts its own slashes between whatever digits it gets, a
 * coupon field a script empties when it does not know the code, a field whose hint is written as its
 * value and that a script empties a moment after it gets the focus (whatever it holds by then: a
 * framework drawing the field again from its still empty state), a code field that sends itself
 * (and goes away) 100 ms after it is complete, and a PIN field that sends itself the moment it is told
 * it changed (its change event, as when it is left): gone before the fill's first look at it. And a mobile number field the page never stops rewriting once typed
 * into — every 100 ms, bare then grouped then bare (a mask fighting a framework that draws the field
 * again from its own state) — so it is never quiet.
 */
const MASKS = page(
  'Masks',
  `<label>Phone <input id="phone" inputmode="tel"></label>
   <label>IBAN <input id="iban"></label>
   <label>Date of birth <input id="birth" placeholder="DD/MM/YYYY"></label>
   <label>Coupon <input id="coupon"></label>
   <label>Nickname <input id="nick" value="Your nickname"></label>
   <label>Mobile <input id="mobile" inputmode="tel"></label>
   <form id="otp-form"><label>Code <input id="otp" maxlength="4"></label></form>
   <p id="otp-ok" hidden>Code accepted</p>
   <form id="pin-form"><label>PIN <input id="pin" maxlength="4"></label></form>
   <p id="pin-ok" hidden>PIN sent</p>
   <script>
     const later = (f, ms) => { let t; return () => { clearTimeout(t); t = setTimeout(f, ms); }; };
     const groups = (s, n) => s.match(new RegExp('.{1,' + n + '}', 'g')) || [];
     const on = (id, f) => document.getElementById(id).addEventListener('input', f);
     const field = (id) => document.getElementById(id);
     on('phone', later(() => { field('phone').value = groups(field('phone').value.replace(/\\D/g, ''), 2).join(' '); }, 300));
     on('iban', () => { field('iban').value = groups(field('iban').value.replace(/\\s/g, '').toUpperCase(), 4).join(' '); });
     on('birth', later(() => { const d = field('birth').value.replace(/\\D/g, ''); field('birth').value = [d.slice(0, 2), d.slice(2, 4), d.slice(4, 8)].filter(Boolean).join('/'); }, 300));
     on('coupon', later(() => { if (field('coupon').value !== 'WELCOME') field('coupon').value = ''; }, 300));
     field('nick').addEventListener('focus', () => setTimeout(() => { field('nick').value = ''; }, 50));
     let flipping;
     on('mobile', () => { flipping ??= setInterval(() => { const d = field('mobile').value.replace(/\\D/g, ''); field('mobile').value = field('mobile').value.includes(' ') ? d : groups(d, 2).join(' '); }, 100); });
     on('otp', () => { if (field('otp').value.length === 4) setTimeout(() => { field('otp-form').remove(); field('otp-ok').hidden = false; }, 100); });
     field('pin').addEventListener('change', () => { if (field('pin').value.length === 4) { field('pin-form').remove(); field('pin-ok').hidden = false; } });
   </script>`,
);

/**
 * Fields no script hears, as on a plain form (the demo signup site): a fill checks them at once,
 * without watching them. But for a timer the page started at load that looks at the promo code
 * field every 20 ms and empties it 300 ms after it first holds something — no listener, so the fill
 * does not see that rewrite (the accepted trade: a page rewrites fields in answer to typing only
 * if it hears the typing).
 */
const QUIET_FORM = page(
  'Plain form',
  `<form><label>Name <input id="name"></label> <label>Promo code <input id="promo"></label></form>
   <script>
     let since = 0;
     setInterval(() => {
       const promo = document.getElementById('promo');
       if (!promo.value) since = 0;
       else if (!since) since = Date.now();
       else if (Date.now() - since >= 300) promo.value = '';
     }, 20);
   </script>`,
);

/**
 * Pages that hear the typing one way each, and empty a code field 300 ms after the last key: an
 * inline oninput="…" handler (always); with #delegated in the address an input listener on the
 * document (event delegation, as frameworks listen); with #keyup a keyup listener on the window;
 * with #focusout a focusout listener (that does nothing) on an element around a web component whose
 * field lives in its open shadow root.
 */
const HEARD = page(
  'Heard',
  `<label>Coupon <input id="coupon"></label>
   <label>Voucher <input id="voucher" oninput="emptyLater(this)"></label>
   <div id="around"><x-field></x-field></div>
   <script>
     const emptyLater = (field) => { clearTimeout(field.pending); field.pending = setTimeout(() => { field.value = ''; }, 300); };
     const how = location.hash.slice(1);
     if (how === 'delegated') document.addEventListener('input', (e) => { if (e.target.id === 'coupon') emptyLater(e.target); });
     if (how === 'keyup') window.addEventListener('keyup', (e) => { if (e.target.id === 'coupon') emptyLater(e.target); });
     if (how === 'focusout') document.getElementById('around').addEventListener('focusout', () => {});
     customElements.define('x-field', class extends HTMLElement {
       constructor() { super(); this.attachShadow({ mode: 'open' }).innerHTML = '<label>Member number <input id="member"></label>'; }
     });
   </script>`,
);

/** A sign-up form whose button is enabled only once the site has checked the address (an answer 1.5 s after typing). */
const CHECKED_SIGNUP = page(
  'Sign up',
  `<form id="signup"><label>Email <input id="email" type="email"></label> <span id="check"></span>
   <button id="create" disabled>Create account</button></form>
   <p id="created" hidden>Account created</p>
   <script>
     const email = document.getElementById('email');
     let pending;
     email.addEventListener('input', () => {
       document.getElementById('create').disabled = true;
       clearTimeout(pending);
       pending = setTimeout(() => { document.getElementById('check').textContent = 'Available'; document.getElementById('create').disabled = !email.validity.valid || !email.value; }, 1500);
     });
     document.getElementById('signup').onsubmit = (e) => { e.preventDefault(); document.getElementById('created').hidden = false; };
   </script>`,
);

/** A cookie banner fixed over the bottom of the page, covering the form's button until accepted; a button kept disabled. */
const OVERLAY = page(
  'Covered',
  `<button type="button" id="pay-later" disabled>Pay later</button>
   <form action="/p/thanks" style="margin-top:700px"><button id="order" type="submit">Place order</button></form>
   <div id="cookie-banner" class="consent" style="position:fixed;left:0;right:0;bottom:0;height:300px;background:#eee">
     We use cookies. <button type="button" id="accept" onclick="document.getElementById('cookie-banner').remove()">Accept all</button>
   </div>`,
);

/**
 * A long list inside a scrolling box (the last row is far below its visible part), and results that
 * are only added when the reader scrolls to the end of the page (infinite scroll, lazy sections).
 */
const SCROLLING = page(
  'Scrolling',
  `<div id="box" style="height:120px;overflow:auto;border:1px solid #999">
     ${Array.from({ length: 60 }, (_, i) => `<div class="row">Row ${i + 1}</div>`).join('')}
     <button type="button" id="last" onclick="this.textContent='Picked'">Pick the last row</button>
   </div>
   <div style="height:2500px">Long text…</div>
   <div id="sentinel">Loading more…</div>
   <script>
     new IntersectionObserver((entries, obs) => {
       if (!entries.some((e) => e.isIntersecting)) return;
       obs.disconnect();
       setTimeout(() => {
         const more = document.createElement('p');
         more.id = 'more';
         more.textContent = 'Result 21';
         document.getElementById('sentinel').replaceWith(more);
       }, 100);
     }).observe(document.getElementById('sentinel'));
   </script>`,
);

/**
 * An app whose window does not scroll: a fixed header and a content pane that scrolls, its next
 * results added when the pane is scrolled to its end (mail, admin and chat apps).
 */
const APP_SHELL = page(
  'App',
  `<style>body { margin: 0; overflow: hidden } header { height: 60px } main { height: calc(100vh - 60px); overflow-y: auto }</style>
   <header>Inbox</header>
   <aside style="position:fixed;right:0;top:0;width:200px;height:80px;overflow:auto"><div style="height:40000px">Filters</div></aside>
   <main id="pane">
     ${Array.from({ length: 80 }, (_, i) => `<p>Message ${i + 1}</p>`).join('')}
     <p id="pane-end">Loading more…</p>
   </main>
   <script>
     new IntersectionObserver((entries, obs) => {
       if (!entries.some((e) => e.isIntersecting)) return;
       obs.disconnect();
       setTimeout(() => { document.getElementById('pane-end').outerHTML = '<p id="older">Message 81</p>'; }, 100);
     }).observe(document.getElementById('pane-end'));
   </script>`,
);

/**
 * Two ways a click leads on: a link that loads a new page (slowly: the server answers after a
 * while), and a single-page app that changes the address with history.pushState and draws the next
 * view a little later, without loading a page.
 */
const ROUTES = page(
  'Routes',
  `<h1 id="title">Basket</h1>
   <a id="checkout" href="/p/slow-checkout">Checkout (new page)</a>
   <a id="spa" href="/p/spa/checkout">Checkout (same page)</a>
   <script>
     document.getElementById('spa').onclick = (e) => {
       e.preventDefault();
       history.pushState({}, '', '/p/spa/checkout');
       document.getElementById('title').textContent = 'Loading…';
       setTimeout(() => { document.getElementById('title').textContent = 'Checkout'; }, 300);
     };
   </script>`,
);
const CHECKOUT = page('Checkout', '<h1 id="title">Checkout</h1>');

/** A search page that never reaches "load": an image (a tracking pixel) from a server that never answers. Its form works all along. */
const NEVER_LOADS = page(
  'Search',
  `<label>Search <input id="q"></label>
   <button id="go" type="button" onclick="document.getElementById('hits').hidden = false">Search</button>
   <p id="hits" hidden>3 results</p>
   <img src="/never?pixel.gif" alt="" width="1" height="1">`,
);

/** Text as sites write it: non-breaking spaces, runs of spaces and line breaks, capitals from CSS. */
const TEXT = page(
  'Text',
  `<p id="total">Total:&nbsp;1&nbsp;234,50&nbsp;€</p>
   <p id="status">Order
      confirmed</p>
   <p id="shout" style="text-transform:uppercase">Payment received</p>
   <p id="shy">Con&shy;firmation num&shy;ber 77</p>
   <div class="toast">Draft saved</div>
   <div class="toast" hidden>Order cancelled</div>
   <div class="toast">Order sent</div>`,
);

const THANKS = page('Thanks', '<h1 id="thanks">Thank you</h1>');

/**
 * Links and buttons that open a new tab: a payment page (target="_blank"), a sign-in window
 * (window.open) that closes itself when done, and the terms beside the form.
 */
const TABS = page(
  'Order',
  `<label>Name <input id="name"></label>
   <a id="pay" href="/p/tab-pay" target="_blank">Pay now</a>
   <button id="signin" onclick="window.open('/p/tab-signin', 'signin', 'width=400,height=300')">Sign in with Acme</button>
   <a id="terms" href="/p/tab-terms" target="_blank">Terms</a>
   <p id="who"></p>
   <script>window.addEventListener('message', (e) => { document.getElementById('who').textContent = 'Signed in as ' + e.data; });</script>`,
);
const TAB_PAY = page('Pay', '<h1 id="paid">Payment</h1><button id="confirm" onclick="document.getElementById(\'done\').hidden = false">Confirm</button><p id="done" hidden>Paid</p>');
const TAB_SIGNIN = page('Sign in', '<p id="account">Acme account: ada</p><button id="allow" onclick="window.opener.postMessage(\'ada\', \'*\'); window.close()">Allow</button>');
const TAB_TERMS = page('Terms', '<h1 id="terms-title">Terms</h1>');

/** A page that speaks in the browser's own dialogs: a confirm before sending, an alert for a bad field, a prompt. */
const DIALOGS = page(
  'Dialogs',
  `<form id="order" onsubmit="event.preventDefault(); if (confirm('Send the order?')) document.getElementById('sent').hidden = false;">
     <button id="send">Send</button>
   </form>
   <p id="sent" hidden>Order sent</p>
   <label>Email <input id="email"></label>
   <button id="check" onclick="if (!/@/.test(document.getElementById('email').value)) alert('Please enter a valid email'); else document.getElementById('ok').hidden = false">Check</button>
   <p id="ok" hidden>Address accepted</p>
   <button id="name" onclick="document.getElementById('hello').textContent = 'Hello ' + prompt('Your name?', 'Ada')">Name</button>
   <p id="hello"></p>`,
);

/** A list of search results and a table: what a flow reads as a list, to make a record of each. */
const RESULTS = page(
  'Results',
  `<ul id="results">
     <li class="hit"><a href="/shop/alpha">Alpha&nbsp; bakery</a> <span class="price">12,50 €</span></li>
     <li class="hit"><a href="/shop/beta">Beta</a> <span class="price">8 €</span></li>
     <li class="hit"><a href="/shop/gamma">Gam&shy;ma</a> <span class="price"></span></li>
   </ul>
   <table><tr><td class="sku">A-1</td></tr><tr><td class="sku">B-2</td></tr></table>
   <label>Note <input class="note" value="first"></label><label>Note <input class="note" value="second"></label>`,
);

/** Keys a person presses: Enter in a search box with no button, arrows through suggestions, Escape to close a window. */
const KEYS = page(
  'Keys',
  `<input id="q" aria-label="Search" autocomplete="off">
   <ul id="suggest" role="listbox" hidden><li role="option">Paris</li><li role="option">Prague</li><li role="option">Porto</li></ul>
   <p id="results" hidden></p>
   <div id="modal" role="dialog" aria-label="Newsletter">Subscribe to our newsletter! <small>(Esc to close)</small></div>
   <script>
     const q = document.getElementById('q'), list = document.getElementById('suggest'), results = document.getElementById('results');
     let at = -1;
     q.addEventListener('input', () => { list.hidden = q.value === ''; at = -1; });
     q.addEventListener('keydown', (e) => {
       const items = [...list.querySelectorAll('li')];
       if (e.key === 'ArrowDown') { at = Math.min(at + 1, items.length - 1); items.forEach((li, i) => li.setAttribute('aria-selected', String(i === at))); }
       if (e.key === 'Enter') { const pick = at >= 0 ? items[at].textContent : q.value; list.hidden = true; results.textContent = 'Results for ' + pick; results.hidden = false; }
     });
     document.addEventListener('keydown', (e) => { if (e.key === 'Escape') document.getElementById('modal').remove(); });
   </script>`,
);

/** A menu whose entries show only while the pointer is on its heading (CSS :hover). */
const HOVER_MENU = page(
  'Menu',
  `<style>.sub { display: none; } .menu:hover .sub { display: block; }</style>
   <nav><div class="menu"><span>Products</span><ul class="sub"><li><a href="/p/thanks">Bread</a></li><li><a href="/p/thanks">Cakes</a></li></ul></div></nav>`,
);

/** The pages by name (served at /p/<name>). */
export const PATTERN_PAGES: Record<string, string> = {
  shadow: SHADOW,
  framed: FRAMED,
  'foreign-frame': FOREIGN_FRAME,
  'frame-form': FRAME_FORM,
  controlled: CONTROLLED,
  'custom-lists': CUSTOM_LISTS,
  'hidden-select': HIDDEN_SELECT,
  typing: TYPING,
  choices: CHOICES,
  masks: MASKS,
  'checked-signup': CHECKED_SIGNUP,
  overlay: OVERLAY,
  scrolling: SCROLLING,
  'app-shell': APP_SHELL,
  routes: ROUTES,
  'never-loads': NEVER_LOADS,
  'spa/checkout': CHECKOUT,
  text: TEXT,
  thanks: THANKS,
  tabs: TABS,
  dialogs: DIALOGS,
  results: RESULTS,
  keys: KEYS,
  'hover-menu': HOVER_MENU,
  'tab-pay': TAB_PAY,
  'tab-signin': TAB_SIGNIN,
  'tab-terms': TAB_TERMS,
  'quiet-form': QUIET_FORM,
  heard: HEARD,
};

/** Pages the server sends late, in milliseconds (a slow next page after a click). */
export const SLOW_PATTERN_PAGES: Record<string, { html: string; delayMs: number }> = {
  'slow-checkout': { html: CHECKOUT, delayMs: 800 },
};
