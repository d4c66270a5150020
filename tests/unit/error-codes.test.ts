import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) return sources(file);
    return /\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) ? [file] : [];
  });
}

describe('error codes', () => {
  it('every code the server and the nodes can produce is documented in docs/errors.md', () => {
    const docs = readFileSync('docs/errors.md', 'utf8');
    const codes = new Set<string>();
    for (const file of [...sources('server'), ...sources('nodes')]) {
      for (const m of readFileSync(file, 'utf8').matchAll(/'(E_[A-Z_]+)'/g)) codes.add(m[1]);
    }
    expect(codes.size).toBeGreaterThan(30);
    const missing = [...codes].filter((c) => !docs.includes(`\`${c}\``));
    expect(missing).toEqual([]);
  });
});
