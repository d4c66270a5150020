// Reads a V8 CPU profile (node --cpu-prof) and prints where the time went while records were being
// walked: the window from the first to the last sample with the record walker on the stack (start-up,
// compiling TypeScript and reopening the store afterwards are left out; `--all` keeps everything).
// Three tables: time by area (GC, idle, the engine, the store, sql.js, JSONata, Node's internals…),
// the heaviest functions by self time, and the heaviest of our own functions by inclusive time.
//   node bench/cpu-profile.mjs <profile file or folder (its largest profile)> [top=30] [--all]
// See docs/benchmarks.md, "Where the time goes: a CPU profile".
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const all = args.includes('--all');
const [where = '.tmp/prof', topArg = '30'] = args.filter((a) => a !== '--all');
const top = Number(topArg);
const file = statSync(where).isDirectory()
  ? path.join(where, readdirSync(where).filter((f) => f.endsWith('.cpuprofile')).map((f) => [f, statSync(path.join(where, f)).size]).sort((a, b) => b[1] - a[1])[0][0])
  : where;
const profile = JSON.parse(readFileSync(file, 'utf8'));

// A compiled file (the build, a bundle) with a source map beside it: frames are named by the source they came from.
const maps = new Map();
function sourceMapOf(url) {
  if (!url.startsWith('file://') || !/\.m?js$/.test(url)) return null;
  if (!maps.has(url)) {
    const file = `${fileURLToPath(url)}.map`;
    maps.set(url, existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, 'utf8'))) : null);
  }
  return maps.get(url);
}
for (const n of profile.nodes) {
  const c = n.callFrame;
  const entry = sourceMapOf(c.url)?.findEntry(c.lineNumber, c.columnNumber);
  if (entry?.originalSource) n.callFrame = { ...c, url: entry.originalSource, lineNumber: entry.originalLine };
}

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

/** The call stack of a sample, innermost first. */
function stack(id) {
  const out = [];
  for (let at = id; at !== undefined; at = parent.get(at)) out.push(byId.get(at));
  return out;
}

const ours = (url) => /\/(server|nodes|bench)\//.test(url) && !url.includes('node_modules');
const shortUrl = (url) => url.replace(/^file:\/\//, '').split('/').slice(-2).join('/');
const frameName = (c) => `${c.functionName || '(anonymous)'} ${shortUrl(c.url)}:${c.lineNumber + 1}`;

function area(c) {
  if (!c.url) return c.functionName.startsWith('(') ? c.functionName : `native ${c.functionName}`;
  const url = c.url.replace(/^file:\/\//, '');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `package ${pkg[1]}`;
  if (url.startsWith('node:')) return 'node internals';
  if (url.startsWith('wasm')) return 'WebAssembly (sql.js)';
  const mine = /\/(server\/[^/]+|nodes\/[^/]+|bench)\//.exec(url);
  return mine ? mine[1] : url;
}

// Sample times: timeDeltas[i] is the gap before sample i; a sample stands for the time up to the next.
const times = [];
let t = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) times.push((t += profile.timeDeltas[i] ?? 0));
let from = 0;
let to = profile.samples.length - 1;
if (!all) {
  const walking = (i) => stack(profile.samples[i]).some((n) => n.callFrame.url.endsWith('engine/record-walker.ts'));
  while (from < to && !walking(from)) from++;
  while (to > from && !walking(to)) to--;
}

const self = new Map();
const inclusive = new Map();
const areas = new Map();
let total = 0;
for (let i = from; i <= to; i++) {
  const dt = (times[i + 1] ?? profile.endTime) - times[i];
  total += dt;
  const frames = stack(profile.samples[i]);
  const leaf = frames[0].callFrame;
  self.set(frameName(leaf), (self.get(frameName(leaf)) ?? 0) + dt);
  areas.set(area(leaf), (areas.get(area(leaf)) ?? 0) + dt);
  const seen = new Set();
  for (const f of frames) {
    if (!ours(f.callFrame.url)) continue;
    const name = frameName(f.callFrame);
    if (seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + dt);
  }
}

const ms = (us) => `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %`;
const print = (title, map, n) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${ms(v)}  ${k}`);
};
console.log(`${path.basename(file)}: ${(total / 1000).toFixed(0)} ms ${all ? 'in all' : 'while records were walked'} (${to - from + 1} samples)`);
print('By area (self time)', areas, 25);
print('Heaviest functions (self time)', self, top);
print('Our functions (inclusive time)', inclusive, top);
