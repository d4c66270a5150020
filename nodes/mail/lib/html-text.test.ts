import { describe, expect, it } from 'vitest';
import { htmlToText } from './html-text.ts';

describe('htmlToText: what a mail program shows of an HTML mail', () => {
  it('leaves out the head, comments (Outlook conditionals too), scripts and styles', () => {
    const html = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>Newsletter 20261206</title>
      <style>.a{width:600px}</style><!--[if mso]><xml><o:PixelsPerInch>9600</o:PixelsPerInch></xml><![endif]--></head>
      <body><!-- template v20240315 --><p>Your code: <b>483920</b></p><script>var t = 777777;</script></body></html>`;
    expect(htmlToText(html).match(/\d{4,8}/g)).toEqual(['483920']);
  });

  it('decodes named, decimal and hexadecimal entities once; zero-width characters split nothing', () => {
    expect(htmlToText('Code&nbsp;: 12&#8203;34&zwnj;56 &amp;lt; caf&eacute; &#x20AC;5 &#233;t&#xE9; &ldquo;x&rdquo; &bogus;').replace(/\s+/g, ' ')).toBe(
      'Code : 123456 &lt; café €5 été “x” &bogus;',
    );
    // Not characters: a replacement character, as a browser shows, never a crash.
    expect(htmlToText('a&#0;b&#xD800;c&#99999999;d')).toBe('a\ufffdb\ufffdc\ufffdd');
  });

  it('inline elements run on (a code styled digit by digit reads whole); cells and blocks stay apart', () => {
    expect(htmlToText('<p>Your code: <span style="x">48</span><span>39</span><b>2</b><strong>0</strong></p>').trim()).toBe('Your code: 483920');
    expect(htmlToText('<table><tr><td>Code</td><td>1234</td></tr></table><div>Ref</div><div>99</div>').replace(/\s+/g, ' ').trim()).toBe('Code 1234 Ref 99');
  });

  it('keeps text around tags that look alike (<header>, <headline>) and survives unclosed blocks', () => {
    expect(htmlToText('<header>Code 1234</header><headline>x</headline>').replace(/\s+/g, ' ').trim()).toBe('Code 1234 x');
    expect(htmlToText('Code 5678 <!-- never closed 9999').trim()).toBe('Code 5678');
  });

  it('with lines: a line of the text per line of the screen, the line breaks of the source spaces', () => {
    const html = '<p>Your code\n is</p>\n<p><b>4839</b></p><table><tr><td>Ref</td>\n<td>12</td></tr></table>Bye';
    expect(htmlToText(html, { lines: true }).split('\n').map((l) => l.replace(/\s+/g, ' ').trim()).filter(Boolean)).toEqual(['Your code is', '4839', 'Ref 12', 'Bye']);
    // Without: lines run on, as the patterns users wrote have always read them.
    expect(htmlToText(html).replace(/\s+/g, ' ').trim()).toBe('Your code is 4839 Ref 12 Bye');
  });

  describe('a code laid out a digit per cell or box reads whole (the default pattern finds it), nothing else changes', () => {
    const code = (html: string) => /\b(\d{4,8})\b/.exec(htmlToText(html))?.[1];
    const footer = '<p>Shop Ltd, 75001 Paris. © 2026</p>';

    it('table cells, inline-block boxes, spaced spans, &nbsp; between or around the digits', () => {
      // A cell per digit, the template's indentation between them, a footer with numbers after.
      expect(code(`<p>Your code:</p><table><tr>\n  <td class="d">4</td>\n  <td class="d">8</td>\n  <td class="d">3</td>\n  <td class="d">9</td>\n</tr></table>${footer}`)).toBe('4839');
      expect(code(`<table><tr><td>Code</td><td>&nbsp;7&nbsp;</td><td>&nbsp;</td><td>&nbsp;0&nbsp;</td><td>&nbsp;</td><td>3</td><td>2</td><td>1</td><td>5</td></tr></table>${footer}`)).toBe('703215');
      expect(code(`<div>Your code</div><div>${[5, 1, 9, 0, 6, 2].map((d) => `<div style="display:inline-block;margin:0 4px">${d}</div>`).join('')}</div>${footer}`)).toBe('519062');
      expect(code(`<p>Your code: ${[8, 0, 4, 7].map((d) => `<span style="padding:0 6px">${d}</span>`).join(' ')}</p>${footer}`)).toBe('8047');
      expect(code(`<p>Your code: ${[8, 0, 4, 7, 1].map((d) => `<span>${d}</span>`).join('&nbsp;')}</p>${footer}`)).toBe('80471');
      expect(code(`<p>Your code: <b>9</b> <b>1</b> <b>2</b> <b>4</b></p>`)).toBe('9124');
      expect(htmlToText('<td>4</td><td>8</td><td>3</td><td>9</td>').trim()).toBe('4839');
    });

    it('dates, phone numbers, rating scales and digits in rows, paragraphs or list items of their own stay apart', () => {
      const shown = (html: string) => htmlToText(html).replace(/\s+/g, ' ').trim();
      // A date a part per cell, a phone number, a 1-5 rating and a 0-10 scale.
      expect(shown('<table><tr><td>1</td><td>3</td><td>2024</td></tr></table>')).toBe('1 3 2024');
      expect(shown('<table><tr><td>+33</td><td>6</td><td>12</td><td>34</td><td>56</td><td>78</td></tr></table>')).toBe('+33 6 12 34 56 78');
      expect(shown('<table><tr><td>Rate us</td><td>1</td><td>2</td><td>3</td><td>4</td><td>5</td></tr></table>')).toBe('Rate us 1 2 3 4 5');
      expect(shown(`<table><tr>${Array.from({ length: 11 }, (_, i) => `<td><a href="https://s.example/${i}">${i}</a></td>`).join('')}</tr></table>`)).toBe('0 1 2 3 4 5 6 7 8 9 10');
      // Digits that are not side by side on the screen.
      expect(shown('<table><tr><td>4</td><td>8</td></tr><tr><td>3</td><td>9</td></tr></table>')).toBe('4 8 3 9');
      expect(shown('<p>4 8</p><p>3 9</p><div>7<br>2<br>5<br>1</div>')).toBe('4 8 3 9 7 2 5 1');
      expect(shown('<ul><li>1</li><li>7</li><li>3</li><li>8</li></ul>')).toBe('1 7 3 8');
      expect(code('<table><tr><td>1</td><td>3</td><td>2024</td></tr></table>')).toBe('2024');
    });
  });
});

describe('htmlToText on a large broken mail', () => {
  it('stays linear where tags never close (<a<a<a…, <<<, quotes): a mail of 1 MB read in well under a second each, not minutes', () => {
    for (const junk of ['<a x '.repeat(200_000), '<a'.repeat(500_000), '<'.repeat(1_000_000), '<p "'.repeat(250_000), '<div style="display:none"'.repeat(40_000)]) {
      const started = performance.now();
      const text = htmlToText(`<p>Your code: <b>482913</b></p>${junk}`, { lines: true });
      expect(performance.now() - started, junk.slice(0, 12)).toBeLessThan(2_000);
      expect(text).toContain('Your code: 482913');
    }
  });
});
