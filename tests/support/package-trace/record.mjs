// Loaded with `node --import <this file>`: appends the name of every package (node_modules/<name>)
// the process loads to the file named by PACKAGE_TRACE, once per line. Used by
// tests/unit/cli/startup-imports.test.ts to see which packages a command pulls in at start.
// Two routes cover every load: ESM imports pass the resolve hook (hooks.mjs, on the loader's
// thread), and require() calls — the build's lazy stand-ins and packages' own requires — pass
// Module._resolveFilename here.
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';
import { packageOf } from './package-of.mjs';

const out = process.env.PACKAGE_TRACE;
if (out) {
  register('./hooks.mjs', import.meta.url, { data: { out } });
  const resolveFilename = Module._resolveFilename;
  const seen = new Set();
  Module._resolveFilename = function (request, ...rest) {
    const file = resolveFilename.call(this, request, ...rest);
    const name = packageOf(file);
    if (name && !seen.has(name)) {
      seen.add(name);
      appendFileSync(out, name + '\n');
    }
    return file;
  };
}
