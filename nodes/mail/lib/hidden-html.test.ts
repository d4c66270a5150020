import { describe, expect, it } from 'vitest';
import { dropHidden } from './hidden-html.ts';

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
});
