// An esbuild plugin for the compiled server (build-server.mjs): the named packages are compiled
// into the build; every other package stays external and loads from node_modules as usual.
//
// Why: a start-up imports these small pure-JavaScript packages whatever the command (zod for every
// schema, jsonata for expressions, croner, re2js, papaparse, helmet, yauzl). Loaded from
// node_modules, Node resolves, reads and compiles each of their files one by one (zod alone is
// about 80 files) and scans the CommonJS ones for their exports: about 0.15 s of CPU per start
// here, against a few milliseconds inside the one file. Packages with native parts, WebAssembly or
// files they find beside themselves (sql.js, quickjs-emscripten, playwright) must stay external.
//
// Bundled CommonJS code calls require() for Node's own modules; the build's banner gives the ESM
// output a require (see build-server.mjs). dist-server/inputs.json lists package-lock.json, so an
// upgrade of a bundled package makes the build stale until `npm run build` runs again.

/** The package a bare import names ("zod/v4" → "zod", "@scope/x/y" → "@scope/x"), or null. */
function packageName(specifier) {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return null;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

export function bundledPackages(names) {
  const bundled = new Set(names);
  return {
    name: 'bundled-packages',
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        // Inside a bundled package, its own dependencies are bundled with it.
        if (args.kind === 'entry-point' || args.importer.includes('/node_modules/')) return undefined;
        const name = packageName(args.path);
        if (name === null || bundled.has(name)) return undefined;
        return { path: args.path, external: true };
      });
    },
  };
}

/** The banner that gives the ESM build the require() that bundled CommonJS code calls. */
export const REQUIRE_BANNER = "import { createRequire as __conveyorCreateRequire } from 'node:module'; const require = __conveyorCreateRequire(import.meta.url);";
