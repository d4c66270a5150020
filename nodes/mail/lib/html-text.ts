/**
 * The text a person reads in an HTML mail, for finding a code in it: what the mail program shows,
 * nothing it hides (elements styled display:none, such as a preheader: hidden-html.ts). The head (the title, style sheets, meta data), comments (Outlook's conditional
 * blocks, template versions such as `<!-- v20240315 -->`), scripts, styles and templates are left out:
 * a number there is not the code, and with the code pattern's first match taken, a title "Newsletter
 * 20261206" above the body was read as the code. Block and table tags become spaces (a code in its
 * own cell stays a word of its own), inline ones nothing (a code styled digit by digit reads whole); entities are decoded as a browser does (`entities`, every HTML name), and
 * zero-width characters, which split nothing a reader sees, are dropped (123&#8203;456 reads 123456).
 * A code laid out a digit per cell or box (`<td>4</td><td>8</td>…`) is joined (spaced-code.ts),
 * within a table row, paragraph or line: what stands side by side on the screen.
 *
 * `lines`: each line of the screen a line of the text (the source's own line breaks are spaces), for
 * the default code pattern, which tells a code's line from the next (default-code.ts); otherwise the
 * lines are joined by spaces, as the patterns users wrote have always read them.
 */
import { createRequire } from 'node:module';
import { joinSpacedDigits } from './spaced-code.ts';
import { dropInvisible } from '../../sdk/invisible.ts';
import { dropHidden } from './hidden-html.ts';
import { sheetHiddenRules } from './sheet-hidden.ts';

const require = createRequire(import.meta.url);
/**
 * `entities`' decoder, loaded on the first HTML mail read, not when the studio or CLI starts (this
 * module is loaded with the mail step at every start; the package's tables cost 13–15 ms to load).
 */
let decoder: ((html: string) => string) | null = null;
export const decodeHTML = (html: string): string => (decoder ??= (require('entities') as typeof import('entities')).decodeHTML)(html);

const HIDDEN = /<!--[\s\S]*?(?:-->|$)|<head\b[\s\S]*?(?:<\/head\s*>|$)|<(script|style|title|template|noscript)\b[\s\S]*?(?:<\/\1\s*>|$)/gi;

/** Inline elements: a mail program shows their text run on with what is around them (`<b>48</b><b>39</b>` reads 4839). */
const INLINE = /<\/?(?:a|abbr|b|bdi|bdo|big|cite|code|data|dfn|em|font|i|kbd|mark|q|s|samp|small|span|strike|strong|sub|sup|time|tt|u|var|wbr)\b[^<>]*>/gi;

/** Tags that end a line on the screen (rows, paragraphs, list items, line breaks): the digits of a code never stand across them. */
const LINE_END = /<\/?(?:address|blockquote|br|caption|dd|dl|dt|h[1-6]|hr|li|ol|p|pre|table|tbody|tfoot|thead|tr|ul)\b[^<>]*>/gi;

/**
 * Any tag. No tag regex here reads past the next `<`: where a `>` never comes (a cut or broken
 * mail, `<a<a<a…`), each try would read on to the end of the mail, and a mail of 1 MB took minutes.
 */
const TAG = /<[^<>]*>/g;

/**
 * The HTML of what a mail program shows: no head, comments (Outlook's conditional blocks among
 * them), scripts, styles, templates, nor elements the mail hides (hidden-html.ts). Its links too are
 * read from it (mail-links.ts): a hidden link — a bot trap, a preheader's — is none a reader follows.
 */
export function visibleHtml(html: string): string {
  // The style sheets are read before the head that holds them is left out.
  return dropHidden(html.replace(HIDDEN, ' '), sheetHiddenRules(html));
}

export function htmlToText(html: string, { lines = false } = {}): string {
  return visibleHtml(html)
    .replace(INLINE, '')
    .split(LINE_END)
    .map((line) => {
      const text = joinSpacedDigits(dropInvisible(decodeHTML(line.replace(TAG, ' '))), 'any');
      return lines ? text.replace(/[\r\n\u2028\u2029]/g, ' ') : text;
    })
    .join(lines ? '\n' : ' ');
}
