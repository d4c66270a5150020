/**
 * The text a person reads in an HTML mail, for finding a code in it: what the mail program shows,
 * nothing it hides. The head (the title, style sheets, meta data), comments (Outlook's conditional
 * blocks, template versions such as `<!-- v20240315 -->`), scripts, styles and templates are left out:
 * a number there is not the code, and with the code pattern's first match taken, a title "Newsletter
 * 20261206" above the body was read as the code. Tags become spaces (a code in its own cell stays a
 * word of its own); entities are decoded as a browser does (`entities`, every HTML name), and
 * zero-width characters, which split nothing a reader sees, are dropped (123&#8203;456 reads 123456).
 */
import { decodeHTML } from 'entities';

const HIDDEN = /<!--[\s\S]*?(?:-->|$)|<head\b[\s\S]*?(?:<\/head\s*>|$)|<(script|style|title|template|noscript)\b[\s\S]*?(?:<\/\1\s*>|$)/gi;

export function htmlToText(html: string): string {
  return decodeHTML(html.replace(HIDDEN, ' ').replace(/<[^>]*>/g, ' ')).replace(/[\u200b\u200c\u200d\u2060\ufeff\u00ad]/g, '');
}
