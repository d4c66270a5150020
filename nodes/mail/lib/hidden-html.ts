/**
 * An HTML mail without the elements it hides from its reader: `display:none` or `visibility:hidden`
 * in their inline style, or the `hidden` attribute. Mail tools put a preheader there — the line an
 * inbox shows beside the subject, "Get 20% off with code 7777" — and the default code pattern,
 * preferring a number named as a code, took that number over the code the mail shows. A mail
 * program shows none of it (html-text.ts reads what it shows).
 *
 * The mail's own style sheets count too, for the classes and ids they hide (`.preheader {
 * display: none }`, sheet-hidden.ts); a rule inside `@media` is not applied (a block shown or hidden
 * on small screens only repeats what the others show). An element left unclosed loses only its tag,
 * not the rest of the mail. One pass over the tags: linear in the mail's length.
 */
import { hiddenBySheet, sheetHiddenRules, type HiddenRule } from './sheet-hidden.ts';

/** A tag, read no further than the next `<` (a tag never closed costs no second read of the mail). */
const TAG = /<(\/?)([a-zA-Z][\w:-]*)\b((?:"[^"<]*"|'[^'<]*'|[^'"<>])*)>/g;
const STYLE = /(?:^|\s)style\s*=\s*(?:"([^"]*)"|'([^']*)')/i;
const HIDES = /(?:^|[;\s])(?:display\s*:\s*none|visibility\s*:\s*hidden)\b/i;
/** The `hidden` attribute, looked for once quoted values are blanked (class="hidden-xs" is not it). */
const HIDDEN_ATTR = /(?:^|\s)hidden(?=[\s=/]|$)/i;
const VOID = /^(?:area|base|br|col|embed|hr|img|input|link|meta|param|source|track|wbr)$/i;

function hides(name: string, attrs: string, rules: readonly HiddenRule[]): boolean {
  const style = STYLE.exec(attrs);
  if (style && HIDES.test(style[1] ?? style[2] ?? '')) return true;
  return HIDDEN_ATTR.test(attrs.replace(/"[^"]*"|'[^']*'/g, '""')) || hiddenBySheet(rules, name, attrs);
}

/**
 * `html` with each hidden element (and all it holds) replaced by a space. `rules`: what the mail's
 * style sheets hide, when `html` is the body without them (its head already removed).
 */
export function dropHidden(html: string, rules: readonly HiddenRule[] = sheetHiddenRules(html)): string {
  let out = '';
  let kept = 0;
  // The hidden element being skipped: its name, where it starts, how deep its own name is nested.
  let open: { name: string; start: number; end: number; depth: number } | null = null;
  for (const m of html.matchAll(TAG)) {
    const [tag, closing, rawName, attrs] = m;
    const name = rawName.toLowerCase();
    if (open) {
      if (name !== open.name) continue;
      if (!closing) open.depth++;
      else if (--open.depth === 0) {
        out += `${html.slice(kept, open.start)} `;
        kept = m.index + tag.length;
        open = null;
      }
      continue;
    }
    if (closing || VOID.test(name) || attrs.trimEnd().endsWith('/') || !hides(name, attrs, rules)) continue;
    open = { name, start: m.index, end: m.index + tag.length, depth: 1 };
  }
  // Never closed: only its tag goes (a browser would hide to its parent's end, which is not tracked).
  if (open) return `${out}${html.slice(kept, open.start)} ${html.slice(open.end)}`;
  return out + html.slice(kept);
}
