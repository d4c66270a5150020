/**
 * What an HTML mail's own style sheets hide: the classes, ids and tags of rules that set
 * `display:none` or `visibility:hidden` — `.preheader { display: none !important }`, the way many
 * mail templates hide the line an inbox shows beside the subject. Inline styles alone (hidden-html.ts)
 * missed those: a preheader "Order 58213 is ready" hidden by its class gave 58213 as the code.
 *
 * Read as a mail program applies a sheet to every screen: rules inside `@media` (and any other
 * at-rule block) are left out — a block hidden only on small screens is shown on the others, and
 * repeats what they show. A selector counts by its last compound (`.wrapper .preheader` as
 * `.preheader`: hiding a little more than the sheet does makes a code go missing, never a wrong one
 * taken); selectors with pseudo-classes, attributes or sibling combinators (`a:hover`, `[dir]`,
 * `h1 + p`) are conditional or positional and are left out. One pass over the text: linear.
 */

/** One compound selector: the element's tag (or any), and the classes and id it must carry. */
export interface HiddenRule {
  tag: string | null;
  classes: string[];
  id: string | null;
}

const HIDES = /(?:^|[;\s{])(?:display\s*:\s*none|visibility\s*:\s*hidden)\b/i;
/** A compound selector with a tag, classes and an id only: `span.preheader`, `.a.b`, `#pre`, `div`. */
const COMPOUND = /^([a-zA-Z][\w-]*|\*)?((?:[.#][\w-]+)*)$/;

/** The rules of every `<style>` element of `html` that hide what they select. */
export function sheetHiddenRules(html: string): HiddenRule[] {
  const rules: HiddenRule[] = [];
  const lower = html.toLowerCase();
  for (let at = lower.indexOf('<style'); at >= 0; ) {
    const open = lower.indexOf('>', at);
    if (open < 0) break;
    const close = lower.indexOf('</style', open);
    const css = html.slice(open + 1, close < 0 ? html.length : close);
    for (const rule of topLevelRules(withoutComments(css))) {
      if (!HIDES.test(rule.body)) continue;
      for (const selector of rule.selectors.split(',')) {
        const r = compoundOf(selector.trim());
        if (r) rules.push(r);
      }
    }
    if (close < 0) break;
    at = lower.indexOf('<style', close);
  }
  return rules;
}

function withoutComments(css: string): string {
  let out = '';
  let kept = 0;
  for (let at = css.indexOf('/*'); at >= 0; ) {
    const end = css.indexOf('*/', at + 2);
    out += css.slice(kept, at);
    if (end < 0) return out;
    kept = end + 2;
    at = css.indexOf('/*', kept);
  }
  return out + css.slice(kept);
}

/** `selectors { body }` at the sheet's top level; at-rule blocks (`@media … { … }`) skipped whole. */
function topLevelRules(css: string): Array<{ selectors: string; body: string }> {
  const out: Array<{ selectors: string; body: string }> = [];
  let depth = 0;
  let start = 0;
  let skipping = false;
  let bodyAt = 0;
  for (let i = 0; i < css.length; i++) {
    const c = css[i];
    if (c === '{') {
      if (depth === 0) {
        skipping = css.slice(start, i).trimStart().startsWith('@');
        bodyAt = i + 1;
      }
      depth++;
    } else if (c === '}') {
      if (depth === 0) continue;
      depth--;
      if (depth === 0) {
        if (!skipping) out.push({ selectors: css.slice(start, bodyAt - 1), body: css.slice(bodyAt, i) });
        start = i + 1;
      }
    } else if (c === ';' && depth === 0) start = i + 1; // @import …; @charset …;
  }
  return out;
}

function compoundOf(selector: string): HiddenRule | null {
  // Descendant and child combinators: the last compound is what the rule hides.
  const last = selector.split(/\s*>\s*|\s+/).pop() ?? '';
  if (!last || /[+~:[\]()]/.test(selector)) return null;
  const m = COMPOUND.exec(last);
  if (!m) return null;
  const tag = m[1] && m[1] !== '*' ? m[1].toLowerCase() : null;
  const classes: string[] = [];
  let id: string | null = null;
  for (const part of m[2].match(/[.#][\w-]+/g) ?? []) {
    if (part[0] === '.') classes.push(part.slice(1));
    else if (id === null) id = part.slice(1);
    else if (id !== part.slice(1)) return null; // #a#b selects nothing
  }
  // A bare `*` or a tag alone (`div { display: none }` on a whole mail) is no preheader rule: a
  // sheet hiding every div hides nothing a reader sees in a mail written for mail programs.
  if (classes.length === 0 && id === null) return null;
  return { tag, classes, id };
}

const CLASS_ATTR = /(?:^|\s)class\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/i;
const ID_ATTR = /(?:^|\s)id\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))/i;

/** Whether an element (its tag name, lower case, and attribute text) is one the rules hide. */
export function hiddenBySheet(rules: readonly HiddenRule[], tag: string, attrs: string): boolean {
  if (rules.length === 0) return false;
  const c = CLASS_ATTR.exec(attrs);
  const classes = new Set((c ? (c[1] ?? c[2] ?? c[3]) : '').split(/\s+/).filter(Boolean));
  const i = ID_ATTR.exec(attrs);
  const id = i ? (i[1] ?? i[2] ?? i[3]) : null;
  return rules.some((r) => (r.tag === null || r.tag === tag) && (r.id === null || r.id === id) && r.classes.every((k) => classes.has(k)));
}
