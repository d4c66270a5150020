/**
 * Code the browser steps send to the page (`evaluate` and its kin) must not name a function inside:
 * run from the sources under tsx (`bin/conveyor.js` when the build is older than the sources, the
 * benchmarks), esbuild's keepNames wraps every named function in a `__name(…)` helper that exists in
 * Node, not in the page — the step then fails with "ReferenceError: __name is not defined" (every
 * fill of the signup template did, under tsx, from 2026-12-06 until this check). The tests and the
 * build do not add the helper, so only this check sees it: each source is compiled as tsx compiles
 * it, and the calls that send code to the page must hold no `__name`. A listener object or an
 * anonymous function inline does the same job.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';
import { describe, expect, it } from 'vitest';

const PAGE_CALL = /\.(evaluate|evaluateAll|evaluateHandle|\$eval|\$\$eval|waitForFunction|addInitScript)\(/g;
const here = path.dirname(fileURLToPath(import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** The text of a call's arguments, from its opening parenthesis to the matching one (strings skipped). */
function argumentsAt(code: string, open: number): string {
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i < code.length; i++) {
    const c = code[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return code.slice(open, i + 1);
  }
  return code.slice(open);
}

describe('code sent to the page', () => {
  it('holds no function name tsx would wrap in a helper the page lacks', async () => {
    const files = sources(here);
    expect(files.length).toBeGreaterThan(20);
    const found: string[] = [];
    let calls = 0;
    for (const file of files) {
      // As tsx compiles it (esbuild, keepNames).
      const { code } = await transform(readFileSync(file, 'utf8'), { loader: 'ts', keepNames: true, format: 'esm' });
      for (const m of code.matchAll(PAGE_CALL)) {
        calls++;
        const args = argumentsAt(code, m.index + m[0].length - 1);
        if (args.includes('__name(')) found.push(`${path.relative(here, file)}: .${m[1]}${args.slice(0, 100).replace(/\s+/g, ' ')}…`);
      }
    }
    expect(calls).toBeGreaterThan(10);
    expect(found).toEqual([]);
  });
});
