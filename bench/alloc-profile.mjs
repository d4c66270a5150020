// Where a process allocates (not what it keeps): V8's sampling heap profiler with the objects the
// collector already freed counted too, so short-lived garbage shows — what the collector's helper
// threads spend their CPU on. Two uses:
//   ALLOC_OUT=.tmp/alloc.heapprofile node --import ./bench/alloc-profile.mjs <script> [args]   (records)
//   node bench/alloc-profile.mjs .tmp/alloc.heapprofile [top=30]                               (prints)
// A bundle with a source map beside it (esbuild --sourcemap) is named by its sources.
// See docs/benchmarks.md, "Where the allocations go".
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

const printing = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];

if (!printing) {
  const out = process.env.ALLOC_OUT;
  if (!out) throw new Error('ALLOC_OUT: the file to write the profile to');
  const session = new Session();
  session.connect();
  const post = (method, params) => new Promise((resolve, reject) => session.post(method, params, (err, res) => (err ? reject(err) : resolve(res))));
  await post('HeapProfiler.enable');
  await post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  process.on('exit', () => session.post('HeapProfiler.stopSampling', (err, res) => (err ? console.error(err) : writeFileSync(out, JSON.stringify(res.profile)))));
} else {
  const [file, topArg = '30'] = process.argv.slice(2);
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const maps = new Map();
  const mapOf = (url) => {
    if (!url.startsWith('file://')) return null;
    if (!maps.has(url)) {
      try {
        maps.set(url, new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(url)}.map`, 'utf8'))));
      } catch {
        maps.set(url, null);
      }
    }
    return maps.get(url);
  };
  const name = (cf) => {
    const e = mapOf(cf.url)?.findEntry(cf.lineNumber, cf.columnNumber);
    const where = e?.originalSource ? `${e.originalSource.split('/').slice(-2).join('/')}:${e.originalLine + 1}` : `${cf.url.split('/').pop()}:${cf.lineNumber + 1}`;
    return `${cf.functionName || '(anonymous)'} ${where}`;
  };
  const self = new Map();
  const inclusive = new Map();
  let total = 0;
  const walk = (node, stack) => {
    const key = name(node.callFrame);
    total += node.selfSize;
    self.set(key, (self.get(key) ?? 0) + node.selfSize);
    const next = stack.includes(key) ? stack : [...stack, key];
    for (const k of next) inclusive.set(k, (inclusive.get(k) ?? 0) + node.selfSize);
    for (const child of node.children) walk(child, next);
  };
  walk(profile.head, []);
  const mb = (b) => `${(b / 1e6).toFixed(1).padStart(8)} MB`;
  const top = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg));
  console.log(`Allocated in all (sampled): ${mb(total)}\n\nBy function (self)`);
  for (const [k, v] of top(self)) console.log(`${mb(v)}  ${k}`);
  console.log('\nBy function (inclusive)');
  for (const [k, v] of top(inclusive)) console.log(`${mb(v)}  ${k}`);
}
