import { describe, expect, it } from 'vitest';
import { dropHidden } from './hidden-html.ts';
import { htmlToText } from './html-text.ts';

describe('dropHidden: the elements an HTML mail hides from its reader', () => {
  it('drops an element styled display:none or visibility:hidden, or with the hidden attribute, with all it holds', () => {
    const preheader = '<div style="display:none;max-height:0;overflow:hidden">Get 20% off with code 7777 <div>nested 8888</div> <span>x</span></div>';
    expect(dropHidden(`<body>${preheader}<p>Your code: 482913</p></body>`).replace(/\s+/g, ' ')).toBe('<body> <p>Your code: 482913</p></body>');
    expect(dropHidden("<span style='color:#fff; visibility: hidden'>9999</span>1 <p hidden>2</p><p class=\"hidden-xs\" data-x='hidden'>3</p>")).toBe(' 1  <p class="hidden-xs" data-x=\'hidden\'>3</p>');
  });

  it('keeps what is shown: display:block, a void element hidden, a self-closed one; an unclosed hidden element loses only its tag', () => {
    const shown = '<div style="display:block">1234</div><img hidden src="x"><br style="display:none"/><div style="mso-hide:all">5678</div>';
    expect(dropHidden(shown)).toBe(shown);
    expect(dropHidden('<div style="display:none">never closed 4821<p>ok</p>')).toBe(' never closed 4821<p>ok</p>');
  });

  it('stays linear on a large mail full of hidden elements', () => {
    const html = '<div style="display:none"><div>x</div>'.repeat(50_000) + '<p>482913</p>';
    const started = performance.now();
    dropHidden(html);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("drops what the mail's own style sheet hides by class or id — read from the head — but not what it hides only on small screens, on hover or in a comment", () => {
    const head = `<head><style type="text/css">
      /* .promo { display: none } */
      body, td { font-family: Arial; }
      .preheader { display: none !important; max-height: 0; overflow: hidden; }
      table.wrapper #ref, .a.b { visibility: hidden }
      @media only screen and (max-width: 600px) { .desktop-only { display: none } .mobile { display: block } }
      a:hover .tip { display: none }
    </style></head>`;
    const body = `<body><span class="preheader">Order 58213 is ready</span><p id=ref>Ref 7001</p><p class="a b">Ticket 6006</p><p class="a">Keep 1111</p>
      <div class="desktop-only">Your code: 482913</div><span class="tip">tip 2222</span> <span class="promo">3333</span><p data-style="display:none">4444</p></body>`;
    const text = htmlToText(`<html>${head}${body}</html>`).replace(/\s+/g, ' ').trim();
    expect(text).toBe('Keep 1111 Your code: 482913 tip 2222 3333 4444');
    // A sheet in the body is read as well (some mail programs move it there).
    expect(dropHidden('<style>.hide{display:none}</style><div class="x hide">9999</div><div class="x">1</div>')).not.toContain('9999');
  });

  it('reads style sheets in linear time, broken ones too', () => {
    const html = '<style>/* '.repeat(30_000) + '<style>.p{display:none'.repeat(30_000) + '<p class="p">482913</p>';
    const started = performance.now();
    htmlToText(html);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

