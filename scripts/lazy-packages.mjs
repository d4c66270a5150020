// An esbuild plugin for the compiled server (build-server.mjs): the named packages load on first
// use instead of when the CLI starts. `conveyor validate` never launches a browser, reads a
// workbook or opens a mailbox, and loading Playwright, ExcelJS, ImapFlow, nodemailer, pg,
// Express and Socket.IO up front cost about 1.5 s of CPU at every start.
//
// Each import of such a package becomes a stand-in (a Proxy) per export that requires the real
// package the first time it is called, constructed or read, and from then on forwards every
// operation to the real value. Only object and function exports get a stand-in: the export list
// is read from the package itself at build time, and an import of anything else fails the build.
import { createRequire } from 'node:module';
import path from 'node:path';

const STAND_IN = String.raw`
import { createRequire } from 'node:module';
const requireFromBuild = createRequire(import.meta.url);
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

export function lazyPackages(names, root) {
  const requireFromRoot = createRequire(path.join(root, 'package.json'));
  return {
    name: 'lazy-packages',
    setup(build) {
      const filter = new RegExp(`^(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`);
      build.onResolve({ filter: /^conveyor-lazy-runtime$/ }, () => ({ path: 'runtime', namespace: 'lazy-packages' }));
      build.onResolve({ filter }, (args) => (args.namespace === 'lazy-packages' ? undefined : { path: args.path, namespace: 'lazy-packages' }));
      build.onLoad({ filter: /.*/, namespace: 'lazy-packages' }, (args) => {
        if (args.path === 'runtime') return { contents: STAND_IN, loader: 'js' };
        const real = requireFromRoot(args.path);
        const names = Object.keys(real).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== 'default' && real[k] !== null && (typeof real[k] === 'object' || typeof real[k] === 'function'));
        const pkg = JSON.stringify(args.path);
        const lines = [`import { load, standIn } from 'conveyor-lazy-runtime';`, `export default standIn(() => load(${pkg}));`];
        names.forEach((name, i) => lines.push(`const e${i} = standIn(() => load(${pkg})[${JSON.stringify(name)}]);`, `export { e${i} as ${name} };`));
        return { contents: lines.join('\n'), loader: 'js', resolveDir: root };
      });
    },
  };
}
