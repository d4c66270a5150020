// Before / after, side by side: the same benchmark cases run in two copies of the sources (say the
// commit before a change and the working tree with it), interleaved case by case, each run a process
// of its own, the order flipped every round (before → after, then after → before) so that neither side
// always meets the machine in the same state. Prints one JSON line per run and a Markdown table:
// CPU (user + system, as the case reports it) per record, wall, and the 1-minute load average as the
// run ended. A copy of a commit: `mkdir /tmp/before && git archive <commit> | tar -x -C /tmp/before &&
// ln -s "$PWD/node_modules" /tmp/before/node_modules`.
//   node bench/compare-trees.mjs <before dir> <after dir> [rounds=2] [case…]
// A case is `chain:<records>:<jsonata|field>` (bench/engine-chain.ts, concurrency 64) or
// `noop:<records>` (bench/code-step.ts noop); default: chain:10000:jsonata noop:5000.
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import path from 'node:path';

const [before, after, roundsArg = '2', ...given] = process.argv.slice(2);
if (!before || !after) throw new Error('usage: node bench/compare-trees.mjs <before dir> <after dir> [rounds] [case…]');
const rounds = Number(roundsArg);
const cases = given.length ? given : ['chain:10000:jsonata', 'noop:5000'];

function command(spec) {
  const [kind, records, variant] = spec.split(':');
  if (kind === 'chain') return ['bench/engine-chain.ts', records, '64', variant ?? 'jsonata'];
  if (kind === 'noop') return ['bench/code-step.ts', records, 'noop'];
  throw new Error(`unknown case ${spec}`);
}

function runOnce(tree, spec) {
  const out = execFileSync(process.execPath, ['--import', 'tsx', ...command(spec)], { cwd: path.resolve(tree), encoding: 'utf8', maxBuffer: 1 << 24 });
  const result = JSON.parse(out.trim().split('\n').pop());
  return { ...result, load: loadavg()[0] };
}

const rows = [];
for (let round = 1; round <= rounds; round++) {
  for (const spec of cases) {
    const order = round % 2 === 1 ? ['before', 'after'] : ['after', 'before'];
    const got = {};
    for (const side of order) {
      got[side] = runOnce(side === 'before' ? before : after, spec);
      process.stdout.write(JSON.stringify({ round, case: spec, side, ...got[side] }) + '\n');
    }
    rows.push({ round, spec, ...got });
  }
}

const cpu = (r) => `${r.cpuSeconds.toFixed(2)} s (${((1000 * r.cpuSeconds) / r.records).toFixed(3)} ms)`;
console.log('\n| case | round | before CPU (per record) | after CPU (per record) | after / before | before wall | after wall | load avg before / after |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const { round, spec, before: b, after: a } of rows) {
  console.log(`| ${spec} | ${round} | ${cpu(b)} | ${cpu(a)} | ${(a.cpuSeconds / b.cpuSeconds).toFixed(2)}× | ${b.seconds.toFixed(1)} s | ${a.seconds.toFixed(1)} s | ${b.load.toFixed(1)} / ${a.load.toFixed(1)} |`);
}
