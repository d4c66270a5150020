import type { Page } from 'playwright-core';
import { searchedFrames } from './frames.ts';

/**
 * The operator's selectors, in Playwright's words. A `frame=` part enters the frame it names.
 *
 * Role selectors read the way people read them. `role=checkbox[name="I accept the terms"]` means
 * "the checkbox whose name says I accept the terms", so it must find the checkbox labelled "I accept
 * the terms and the privacy policy". Playwright's public `role=` engine compares the whole name,
 * letter case included; its `internal:role=` engine (the one behind getByRole) compares a part of
 * it, any letter case, when the name carries the `i` flag. So a `role=` part of a selector becomes
 * `internal:role=` and a quoted name without a flag gets `i`; `[name="…"s]` still asks for the exact
 * name and `[name=/…/]` for a regular expression.
 */
export function toPlaywrightSelector(selector: string): string {
  const parts = splitChain(selector);
  return parts.map((part) => {
    const m = /^(\s*)role=/.exec(part);
    if (m) return `${m[1]}internal:role=${withLooseNames(part.slice(m[0].length))}`;
    // `frame=iframe#pay >> #card`: the rest of the chain is looked for inside that frame (frames.ts).
    const f = /^(\s*)frame=/.exec(part);
    return f ? `${f[1]}${part.slice(f[0].length).trim()} >> internal:control=enter-frame ` : part;
  }).join('>>');
}

/** The roles the `role=` parts of these selectors ask for (for the "names found" hint), in order. */
export function rolesOf(selectors: string[]): string[] {
  const roles = new Set<string>();
  for (const s of selectors) {
    for (const part of splitChain(s)) {
      const m = /^\s*role=([A-Za-z-]+)/.exec(part);
      if (m) roles.add(m[1].toLowerCase());
    }
  }
  return [...roles];
}

/** How many names of a role are quoted when nothing matched. */
export const NAMES_SHOWN = 10;

/**
 * What the page offers for `role`: the accessible names of its visible elements of that role (the
 * first NAMES_SHOWN), as Playwright computes them — what a selector's name is compared with. In the
 * page and in the frames steps search (frames.ts): a button in a same-site frame is on the page too.
 */
export async function namesOfRole(page: Page, role: string): Promise<{ names: string[]; total: number }> {
  let total = 0;
  const names: string[] = [];
  for (const frame of searchedFrames(page)) {
    const all = frame.locator(`internal:role=${role}`);
    const count = await all.count().catch(() => 0);
    total += count;
    for (let i = 0; i < count && names.length < NAMES_SHOWN; i++) {
      const snapshot = await all.nth(i).ariaSnapshot({ timeout: 1_000 }).catch(() => '');
      names.push(nameInSnapshot(snapshot));
    }
  }
  return { names, total };
}

/** One sentence per role for an error message: which names were found, or that there was none. */
export async function describeRoles(page: Page, selectors: string[]): Promise<string> {
  const out: string[] = [];
  for (const role of rolesOf(selectors)) {
    const { names, total } = await namesOfRole(page, role).catch(() => ({ names: [] as string[], total: -1 }));
    if (total < 0) continue;
    if (total === 0) out.push(`No visible element with role ${role} is on the page.`);
    else {
      const shown = names.map((n) => (n === '' ? '(no name)' : JSON.stringify(n))).join(', ');
      out.push(`Visible elements with role ${role} on the page are named: ${shown}${total > names.length ? ` and ${total - names.length} more` : ''}.`);
    }
  }
  return out.join(' ');
}

/** The name in the first line of an ARIA snapshot: `- checkbox "Name" [checked]`, maybe YAML-quoted. */
function nameInSnapshot(snapshot: string): string {
  let line = (snapshot.split('\n')[0] ?? '').replace(/^\s*-\s*/, '');
  if (line.startsWith("'") && line.endsWith("'")) line = line.slice(1, -1).replace(/''/g, "'");
  const m = /^[\w-]+ ("(?:[^"\\]|\\.)*")/.exec(line);
  if (!m) return '';
  try {
    return String(JSON.parse(m[1]));
  } catch {
    return m[1].slice(1, -1);
  }
}

/** Splits a selector chain at `>>` outside quotes (the separators are restored by the caller). */
function splitChain(selector: string): string[] {
  const parts: string[] = [];
  let quote = '';
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '>' && selector[i + 1] === '>') {
      parts.push(selector.slice(start, i));
      start = i + 2;
      i++;
    }
  }
  parts.push(selector.slice(start));
  return parts;
}

/** In `checkbox[name="x"][checked]`: every quoted `name=` value without a flag gets the `i` flag. */
function withLooseNames(body: string): string {
  let out = '';
  let i = 0;
  while (i < body.length) {
    const c = body[i];
    if (c === '"' || c === "'") {
      const end = closingQuote(body, i);
      out += body.slice(i, end + 1);
      i = end + 1;
      continue;
    }
    const attr = c === '[' ? /^\[\s*name\s*=\s*/.exec(body.slice(i)) : null;
    if (!attr) {
      out += c;
      i++;
      continue;
    }
    out += attr[0];
    i += attr[0].length;
    const q = body[i];
    if (q === '"' || q === "'") {
      const end = closingQuote(body, i);
      out += body.slice(i, end + 1);
      i = end + 1;
      const rest = /^\s*\]/.exec(body.slice(i));
      if (rest) out += 'i'; // no flag given: a part of the name, any letter case
    } else if (q !== '/') {
      // An unquoted name (name=Send): quoted, then loose like the others.
      const close = body.indexOf(']', i);
      const raw = body.slice(i, close < 0 ? body.length : close).trim();
      out += `${JSON.stringify(raw)}i`;
      i = close < 0 ? body.length : close;
    }
  }
  return out;
}

function closingQuote(text: string, open: number): number {
  const q = text[open];
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === q) return i;
  }
  return text.length - 1;
}
