// An esbuild plugin for the compiled server (build-server.mjs), and the same as a Vite plugin for
// the unit tests (vitest.config.ts): the named packages load on first use instead of when the CLI
// starts (or a test file imports the sources). `conveyor validate` never launches a browser, reads a
// workbook or opens a mailbox, and loading Playwright, ExcelJS, ImapFlow, nodemailer, pg,
// Express and Socket.IO up front cost about 1.5 s of CPU at every start.
//
// Each import of such a package becomes a stand-in (a Proxy) per export that requires the real
// package the first time it is called, constructed or read, and from then on forwards every
// operation to the real value. Only object and function exports get a stand-in: the export list
// is read from the package itself at build time, and an import of anything else fails the build.
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * The runtime every stand-in imports: `load` requires a package once, `standIn` forwards to what
 * `get` returns. `requireFrom` is the JavaScript expression of where packages are required from
 * (the build: its own file, `import.meta.url`).
 */
export function lazyRuntime(requireFrom) {
  return String.raw`
import { createRequire } from 'node:module';
const requireFromBuild = createRequire(${requireFrom});
const loaded = new Map();
export function load(name) {
  if (!loaded.has(name)) loaded.set(name, requireFromBuild(name));
  return loaded.get(name);
}
/** A function-shaped stand-in (so it can be called and constructed) for what get() returns. */
export function standIn(get) {
  let real;
  const value = () => (real ??= get());
  return new Proxy(function standIn() {}, {
    get: (_t, key) => Reflect.get(value(), key),
    set: (_t, key, v) => Reflect.set(value(), key, v),
    has: (_t, key) => Reflect.has(value(), key),
    deleteProperty: (_t, key) => Reflect.deleteProperty(value(), key),
    defineProperty: (_t, key, d) => Reflect.defineProperty(value(), key, d),
    getPrototypeOf: () => Reflect.getPrototypeOf(value()),
    apply: (_t, self, args) => Reflect.apply(value(), self, args),
    construct: (_t, args) => Reflect.construct(value(), args),
  });
}
`;
}

/**
 * The module that stands in for package `name`: a stand-in per object or function export (their
 * names read from the package itself, required with `requireFromRoot`), importing the runtime as
 * `runtime`.
 */
export function standInModule(name, requireFromRoot, runtime) {
  const real = requireFromRoot(name);
  const names = Object.keys(real).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== 'default' && real[k] !== null && (typeof real[k] === 'object' || typeof real[k] === 'function'));
  const pkg = JSON.stringify(name);
  const lines = [`import { load, standIn } from ${JSON.stringify(runtime)};`, `export default standIn(() => load(${pkg}));`];
  names.forEach((n, i) => lines.push(`const e${i} = standIn(() => load(${pkg})[${JSON.stringify(n)}]);`, `export { e${i} as ${n} };`));
  return lines.join('\n');
}

export function lazyPackages(names, root) {
  const requireFromRoot = createRequire(path.join(root, 'package.json'));
  return {
    name: 'lazy-packages',
    setup(build) {
      // A package's own files too (nodemailer/lib/addressparser): imported directly they loaded it all at start.
      const filter = new RegExp(`^(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})(/.+)?$`);
      build.onResolve({ filter: /^conveyor-lazy-runtime$/ }, () => ({ path: 'runtime', namespace: 'lazy-packages' }));
      build.onResolve({ filter }, (args) => (args.namespace === 'lazy-packages' ? undefined : { path: args.path, namespace: 'lazy-packages' }));
      build.onLoad({ filter: /.*/, namespace: 'lazy-packages' }, (args) => ({
        contents: args.path === 'runtime' ? lazyRuntime('import.meta.url') : standInModule(args.path, requireFromRoot, 'conveyor-lazy-runtime'),
        loader: 'js',
        resolveDir: root,
      }));
    },
  };
}

/**
 * The same stand-ins for the unit tests (a Vite plugin, vitest.config.ts). Each test file runs in a
 * fresh process and imports the sources, which import these packages at their top: about 900
 * CommonJS files, ~1.5 s of CPU per test file at load 8, for packages most files never call.
 * With the stand-ins the tests load the packages as the built studio does, on first use.
 */
export function lazyPackagesForVite(names, root) {
  const requireFromRoot = createRequire(path.join(root, 'package.json'));
  const lazy = new Set(names);
  // A package's own files too (nodemailer/lib/addressparser), as in the build.
  const isLazy = (id) => lazy.has(id) || names.some((n) => id.startsWith(`${n}/`));
  const RUNTIME = '\0conveyor-lazy-runtime';
  const PACKAGE = '\0conveyor-lazy:';
  return {
    name: 'lazy-packages',
    enforce: 'pre',
    resolveId(id, importer) {
      if (id === 'conveyor-lazy-runtime') return RUNTIME;
      // As in the build: only the project's own imports; a package's imports of another stay as they are.
      if (!isLazy(id) || !importer || importer.includes('/node_modules/') || importer.startsWith('\0')) return null;
      return PACKAGE + id;
    },
    load(id) {
      if (id === RUNTIME) return lazyRuntime(JSON.stringify(path.join(root, 'package.json')));
      if (id.startsWith(PACKAGE)) return standInModule(id.slice(PACKAGE.length), requireFromRoot, 'conveyor-lazy-runtime');
      return null;
    },
  };
}
