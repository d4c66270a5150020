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
});
