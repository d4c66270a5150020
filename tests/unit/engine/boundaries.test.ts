import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

describe('architecture boundaries', () => {
  it('the engine imports neither Express nor Socket.IO nor any HTTP adapter', () => {
    const dir = path.resolve('server/engine');
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const text = readFileSync(path.join(dir, file), 'utf8');
      const imports = [...text.matchAll(/from\s+'([^']+)'/g)].map((m) => m[1]);
      for (const spec of imports) {
        expect(spec, `${file} imports ${spec}`).not.toMatch(/^(express|socket\.io)|\/http\/|\/realtime\//);
      }
    }
  });
});

/** Every .ts/.tsx file under `dir` (tests left out), with its import specifiers (static, dynamic, re-exports). */
function importsUnder(dir: string): Array<{ file: string; specs: string[] }> {
  const out: Array<{ file: string; specs: string[] }> = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name)) {
        const text = readFileSync(p, 'utf8');
        out.push({ file: p, specs: [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]) });
      }
    }
  };
  walk(path.resolve(dir));
  return out;
}

describe('the contract (server/contract) and who may import what', () => {
  const contract = path.resolve('server/contract');

  it('the studio imports nothing of the server or the nodes but the contract', () => {
    const files = importsUnder('client');
    expect(files.length).toBeGreaterThan(50);
    const crossing: string[] = [];
    for (const { file, specs } of files) {
      for (const spec of specs.filter((s) => s.startsWith('.'))) {
        const target = path.resolve(path.dirname(file), spec);
        const rel = path.relative(path.resolve('.'), target);
        if ((rel.startsWith('server/') || rel.startsWith('nodes/')) && !target.startsWith(contract + path.sep)) crossing.push(`${path.relative('.', file)} imports ${spec}`);
      }
    }
    expect(crossing).toEqual([]);
  });

  it('the contract imports no framework and nothing outside itself', () => {
    const files = importsUnder('server/contract');
    expect(files.length).toBeGreaterThan(10);
    const wrong: string[] = [];
    for (const { file, specs } of files) {
      for (const spec of specs) {
        const outside = spec.startsWith('.') && !path.resolve(path.dirname(file), spec).startsWith(contract + path.sep);
        const framework = /^(express|socket\.io|socket\.io-client|react|react-dom|@xyflow|sql\.js|pg|node:)/.test(spec);
        if (outside || framework) wrong.push(`${path.relative('.', file)} imports ${spec}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
