// The resolve hook of record.mjs: every ESM import that lands in node_modules names its package.
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { packageOf } from './package-of.mjs';

let out = '';
const seen = new Set();
export function initialize(data) {
  out = data.out;
}
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  const name = result.url.startsWith('file:') ? packageOf(fileURLToPath(result.url)) : null;
  if (name && !seen.has(name)) {
    seen.add(name);
    appendFileSync(out, name + '\n');
  }
  return result;
}
