// Conveyor next to Node-RED on this machine, in one run, interleaved (A B A B…): the 10-step
// chains, the code step, start-up. Each case runs in a child process of its own; the figures are
// the medians over the rounds. Used by bench/run.ts (case "vs-node-red").
import { execFileSync } from 'node:child_process';
import { compiledCase } from './compile.ts';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { installNodeRed } from './node-red/install.ts';
import type { StartupResult, StartupSample, ValidateSample } from './startup.ts';

export interface CaseRun {
  system: 'conveyor' | 'node-red';
  kind: string;
  fastPath?: boolean;
  records: number;
  seconds: number;
  cpuSeconds: number;
  peakRssMb: number;
  loadavg: number[];
  /** The commit a code-step case was measured at (BENCH_NODE_RED_CASES=code measures them alone). */
  commit?: string;
}
export interface VsNodeRed {
  /** The commit measured (with uncommitted changes, if any, on top). */
  commit: string;
  nodeRedVersion: string;
  rounds: number;
  cores: number;
  runs: CaseRun[];
}

/** Conveyor's cases compiled as the studio's server is (bench/compile.ts), not under tsx. */
const compiled: { chain?: string; code?: string } = {};

function conveyor(records: number, kind: string, fast = true): CaseRun {
  const out = execFileSync(process.execPath, [compiled.chain!, String(records), '64', kind, fast ? 'fast' : 'slow'], { encoding: 'utf8', maxBuffer: 16 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
  return { ...(JSON.parse(out.trim().split('\n').pop()!) as CaseRun), loadavg: os.loadavg() };
}

/** The code step's cases (bench/code-step.ts): the code step cold and warm, a no-op step (the engine's share), the sandbox alone. */
function codeStep(records: number, kind: 'code' | 'warm' | 'noop' | 'sandbox' | 'restarted' | 'steady' | 'noop-steady'): CaseRun {
  const out = execFileSync(process.execPath, [compiled.code!, String(records), kind], { encoding: 'utf8', maxBuffer: 16 << 20, stdio: ['ignore', 'pipe', 'inherit'] });
  return { ...(JSON.parse(out.trim().split('\n').pop()!) as CaseRun), loadavg: os.loadavg(), commit: commitMeasured() };
}

function nodeRed(records: number, kind: string): CaseRun {
  const out = execFileSync(process.execPath, ['bench/node-red/nr-case.cjs', kind, String(records)], { encoding: 'utf8', maxBuffer: 16 << 20, stdio: ['ignore', 'pipe', 'inherit'] });
  return { ...(JSON.parse(out.trim().split('\n').pop()!) as CaseRun), loadavg: os.loadavg() };
}

/** The code step's cases, Conveyor's alternating with Node-RED's function node. */
function codeSteps(codeRecords: number): Array<[string, () => CaseRun]> {
  return [
    ['Conveyor code step', () => codeStep(codeRecords, 'code')],
    ['Node-RED function node', () => nodeRed(codeRecords, 'function')],
    ['Conveyor no-op step (the engine alone)', () => codeStep(codeRecords, 'noop')],
    ['Conveyor code step, sandbox warm', () => codeStep(codeRecords, 'warm')],
    ['Node-RED function node', () => nodeRed(codeRecords, 'function')],
    ['Conveyor sandbox alone', () => codeStep(codeRecords, 'sandbox')],
    ['Conveyor sandbox alone, worker restarted', () => codeStep(codeRecords, 'restarted')],
    ['Conveyor code step, steady', () => codeStep(codeRecords, 'steady')],
    ['Node-RED function node, steady', () => nodeRed(codeRecords, 'function-steady')],
    ['Conveyor no-op step, steady', () => codeStep(codeRecords, 'noop-steady')],
    // Four times the records, warm: a run's own fixed costs (either side's) spread thinner, what a record costs at scale.
    ['Conveyor code step, steady, at scale', () => codeStep(codeRecords * 4, 'steady')],
    ['Node-RED function node, steady, at scale', () => nodeRed(codeRecords * 4, 'function-steady')],
    ['Conveyor no-op step, steady, at scale', () => codeStep(codeRecords * 4, 'noop-steady')],
  ];
}

/** One round: every case once, Conveyor and Node-RED alternating. */
function round(records: number, codeRecords: number, log: (s: string) => void): CaseRun[] {
  const steps: Array<[string, () => CaseRun]> = CODE_ONLY ? codeSteps(codeRecords) : [
    ['Conveyor JSONata chain', () => conveyor(records, 'jsonata')],
    ['Node-RED function chain', () => nodeRed(records, 'function-chain')],
    ['Conveyor JSONata chain, fast path off', () => conveyor(records, 'jsonata', false)],
    ['Node-RED JSONata change chain', () => nodeRed(records, 'jsonata-chain')],
    ['Conveyor field chain', () => conveyor(records, 'field')],
    ['Node-RED change chain', () => nodeRed(records, 'change-chain')],
    ['Conveyor field chain, fast path off', () => conveyor(records, 'field', false)],
    ...codeSteps(codeRecords),
  ];
  return steps.map(([name, measure]) => {
    const r = measure();
    log(`  ${name}, ${r.records} records: ${r.cpuSeconds.toFixed(2)} s CPU, ${r.seconds.toFixed(2)} s wall\n`);
    return r;
  });
}

/**
 * BENCH_NODE_RED_CASES=code: only the code step's cases, once per round (not per size); the other
 * cases keep the figures of the last full run (bench/results/vs-node-red.json).
 */
const CODE_ONLY = process.env.BENCH_NODE_RED_CASES === 'code';
const isCodeCase = (r: CaseRun) => r.kind === 'function' || r.kind === 'function-steady' || r.kind.startsWith('code');
const commitMeasured = () => execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();

export async function measureVsNodeRed(opts: { sizes: number[]; codeRecords: number; rounds: number; log: (s: string) => void }): Promise<VsNodeRed> {
  const nodeRedVersion = installNodeRed();
  compiled.chain = await compiledCase('engine-chain');
  compiled.code = await compiledCase('code-step');
  const runs: CaseRun[] = [];
  if (CODE_ONLY) {
    const kept = (JSON.parse(readFileSync('bench/results/vs-node-red.json', 'utf8')) as { figures: VsNodeRed }).figures;
    for (let i = 0; i < opts.rounds; i++) {
      opts.log(`Code step vs Node-RED ${nodeRedVersion}, round ${i + 1} of ${opts.rounds}:\n`);
      runs.push(...round(0, opts.codeRecords, opts.log));
    }
    return { ...kept, runs: [...kept.runs.filter((r) => !isCodeCase(r)), ...runs] };
  }
  for (const records of opts.sizes) {
    for (let i = 0; i < opts.rounds; i++) {
      opts.log(`Conveyor vs Node-RED ${nodeRedVersion}, ${records} records, round ${i + 1} of ${opts.rounds}:\n`);
      runs.push(...round(records, opts.codeRecords, opts.log));
    }
  }
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  return { commit, nodeRedVersion, rounds: opts.rounds, cores: os.cpus().length, runs };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const f2 = (x: number) => x.toFixed(2);
const mb = (x: number) => Math.round(x).toLocaleString('en-US');

function pick(v: VsNodeRed, system: CaseRun['system'], kind: string, records: number, fast = true): CaseRun[] {
  return v.runs.filter((r) => r.system === system && r.kind === kind && r.records === records && (system === 'node-red' || r.fastPath === fast));
}

function row(label: string, a: CaseRun[], b: CaseRun[]): string {
  if (a.length === 0 || b.length === 0) return '';
  const [ca, cb, wa, wb] = [median(a.map((r) => r.cpuSeconds)), median(b.map((r) => r.cpuSeconds)), median(a.map((r) => r.seconds)), median(b.map((r) => r.seconds))];
  const load = median([...a, ...b].map((r) => r.loadavg[0]));
  const perRecord = (s: number) => `${((s / a[0].records) * 1000).toFixed(3)} ms`;
  return `| ${label} | ${a[0].records.toLocaleString('en-US')} | ${f2(ca)} s (${perRecord(ca)}) | ${f2(cb)} s (${perRecord(cb)}) | **${f2(ca / cb)}×** | ${f2(wa)} s | ${f2(wb)} s | ${f2(wa / wb)}× | ${mb(Math.max(...a.map((r) => r.peakRssMb)))} / ${mb(Math.max(...b.map((r) => r.peakRssMb)))} MB | ${f2(load)} |`;
}

/** Where the code step's CPU goes: the engine's share (the no-op step) and the sandbox's, per record, next to Node-RED's. */
function codeShareText(v: VsNodeRed, n: number): string {
  const cpu = (system: CaseRun['system'], kind: string) => (median(pick(v, system, kind, n).map((r) => r.cpuSeconds)) / n) * 1000;
  const [code, warm, noop, alone, nodeRedMs] = [cpu('conveyor', 'code'), cpu('conveyor', 'code-warm'), cpu('conveyor', 'code-noop'), cpu('conveyor', 'code-sandbox'), cpu('node-red', 'function')];
  if ([code, warm, noop, nodeRedMs].some(Number.isNaN)) return '';
  const ms = (x: number) => `${x.toFixed(3)} ms`;
  const [steadyCode, steadyNoop, steadyNodeRed] = [cpu('conveyor', 'code-steady'), cpu('conveyor', 'code-noop-steady'), cpu('node-red', 'function-steady')];
  const steady = [steadyCode, steadyNoop, steadyNodeRed].some(Number.isNaN)
    ? ''
    : ` Once each process is warm (the steady rows), a record costs the code step ${ms(steadyCode)} and the no-op step ${ms(steadyNoop)}, against Node-RED's ${ms(steadyNodeRed)}: ${f2(steadyCode / steadyNodeRed)}× and ${f2(steadyNoop / steadyNodeRed)}×.`;
  return `**Where the code step's CPU goes** (${n.toLocaleString('en-US')} records, medians above, per record): the engine's
share — the no-op step — is ${ms(noop)}, ${f2(noop / nodeRedMs)}× Node-RED's whole function node (${ms(nodeRedMs)}); the code step adds
${ms(code - noop)} with its sandbox's start (a worker thread, QuickJS, the sealed context, and V8 warming up its
WebAssembly, spread over these records) and ${ms(warm - noop)} once the sandbox is warm${Number.isNaN(alone) ? '' : ` (the sandbox alone, start included: ${ms(alone)})`}.
3× Node-RED would be ${ms(3 * nodeRedMs)} a record: ${
    noop >= 3 * nodeRedMs
      ? "the engine's share alone is above it, so the code step's target rests on the engine's per-step cost (issue 17, point 1)"
      : `the engine's share leaves ${ms(3 * nodeRedMs - noop)} for the sandbox`
  }.${steady} The sandbox pool itself, before and after its records went in
batches and its watchdog read shared memory (the pool of commit \`7155b9c\` and this one, side by side on
2026-12-05, three interleaved runs of 5,000 records, 64 at once, a started worker, CPU per thread from
\`/proc\`, load average 20–24): 0.034–0.058 ms a record warm (main thread 0.006–0.014, sandbox worker 0.020–0.028), against
0.092–0.138 ms before (main thread 0.034–0.060, worker 0.052–0.066); the first 5,000 records after a start 0.108–0.128 against 0.186–0.228 ms. Starting a
worker costs 0.25–0.33 s of CPU, from the compiled build as from the sources (a bundle cached by
\`worker-entry.mjs\`; registering tsx in the worker, as before, cost 0.7–0.9 s). A worker started after the first
one no longer compiles QuickJS again, nor has V8 optimize its interpreter again: the pool compiles the
module once and hands it to every worker (\`wasm-module.ts\`). Side by side (bundles of \`9b9511e\` and this change
alternating, a process each, 2026-12-05, load average 1.4): 2,000 records through a worker started
after a Stop, 0.541 → 0.270 s of CPU (paired 0.494, 7 rounds); the first worker's start is unchanged
(5,000 records through the sandbox alone 0.754 / 0.763 s, the code step 2.51 / 2.46 s).`;
}

/** The section of docs/benchmarks.md, written from the kept figures. */
export function vsNodeRedMarkdown(v: VsNodeRed, measuredOn: string, startup: StartupResult, startupOn: string): string {
  const sizes = [...new Set(v.runs.filter((r) => r.kind === 'jsonata').map((r) => r.records))];
  const codeSizes = [...new Set(v.runs.filter((r) => r.kind === 'code').map((r) => r.records))];
  const chainRows: string[] = [];
  for (const n of sizes) {
    chainRows.push(
      row('JSONata chain vs Node-RED function chain', pick(v, 'conveyor', 'jsonata', n), pick(v, 'node-red', 'function-chain', n)),
      row('JSONata chain vs Node-RED change chain, same JSONata', pick(v, 'conveyor', 'jsonata', n), pick(v, 'node-red', 'jsonata-chain', n)),
      row('field chain vs Node-RED change chain', pick(v, 'conveyor', 'field', n), pick(v, 'node-red', 'change-chain', n)),
    );
  }
  const steadySizes = [...new Set(v.runs.filter((r) => r.kind === 'code-steady').map((r) => r.records))].sort((a, b) => a - b);
  const codeRows = [
    ...codeSizes.flatMap((n) => [
      row('code step vs Node-RED function node', pick(v, 'conveyor', 'code', n), pick(v, 'node-red', 'function', n)),
      row('code step, sandbox warm vs Node-RED function node', pick(v, 'conveyor', 'code-warm', n), pick(v, 'node-red', 'function', n)),
      row('no-op step (the engine alone) vs Node-RED function node', pick(v, 'conveyor', 'code-noop', n), pick(v, 'node-red', 'function', n)),
      row('sandbox alone vs Node-RED function node', pick(v, 'conveyor', 'code-sandbox', n), pick(v, 'node-red', 'function', n)),
      row('sandbox alone, worker restarted vs Node-RED function node', pick(v, 'conveyor', 'code-restarted', n), pick(v, 'node-red', 'function', n)),
    ]),
    ...steadySizes.flatMap((n) => [
      row('code step vs Node-RED function node, both steady (after 5 runs of 1,000 records)', pick(v, 'conveyor', 'code-steady', n), pick(v, 'node-red', 'function-steady', n)),
      row('no-op step vs Node-RED function node, both steady', pick(v, 'conveyor', 'code-noop-steady', n), pick(v, 'node-red', 'function-steady', n)),
    ]),
  ];
  const codeCommit = v.runs.find((r) => r.kind === 'code')?.commit ?? v.commit;
  const codeShares = codeSizes.map((n) => codeShareText(v, n)).filter(Boolean).join('\n\n');
  const fastRows = sizes.flatMap((n) => [
    row('JSONata chain: fast path on vs off', pick(v, 'conveyor', 'jsonata', n), pick(v, 'conveyor', 'jsonata', n, false)),
    row('field chain: fast path on vs off', pick(v, 'conveyor', 'field', n), pick(v, 'conveyor', 'field', n, false)),
  ]);
  const startRow = (what: string, samples: Array<StartupSample | ValidateSample>) => {
    const s = samples.filter((x) => x.what === what);
    const load = s.map((x) => x.load).filter((x): x is number => x !== undefined);
    return `| ${what} | ${f2(median(s.map((x) => x.seconds)))} s | ${f2(median(s.map((x) => x.cpuSeconds)))} s | ${load.length ? `${f2(Math.min(...load))}–${f2(Math.max(...load))}` : 'not kept'} |`;
  };
  const header = '| case | records | Conveyor CPU (per record) | other CPU (per record) | CPU ratio | Conveyor wall | other wall | wall ratio | peak RSS (Conveyor / other) | load avg (1 min) |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |';
  return `## Conveyor next to Node-RED (same machine, same run, interleaved)

Measured on ${measuredOn} at commit \`${v.commit}\`, Node-RED ${v.nodeRedVersion} (installed by
\`bench/node-red/install.sh\` into \`bench/.node-red\`, not a dependency), ${v.cores} cores shared with
other work; medians of ${v.rounds} round(s), each round running every case once, Conveyor and Node-RED
alternating. Every case is a process of its own; Conveyor's cases are compiled as the studio's server
is (\`bench/compile.ts\`: no TypeScript loader, the packages a case never uses load on first use — from
2026-12-05, later; before, they ran under tsx). *CPU* is that process's user + system time (every
thread: Conveyor's code sandbox workers too) from the first record to the last, *wall* the elapsed
time, *peak RSS* the process's \`maxRSS\`; the load average is the machine's at the end of each case.
Conveyor commits every step of every record to its store before the record moves on; Node-RED keeps
messages in memory only.

- *JSONata chain*: 10 set-fields steps, \`f_i = n * i + $length(name)\` (\`bench/engine-chain.ts\`).
  Node-RED's *function chain* does the same in 10 function nodes, its *JSONata change chain* in 10
  change nodes with the same JSONata (\`payload.n * i + $length(payload.name)\`).
- *field chain*: 10 set-fields steps \`f_i = n\` (a plain field reference: the expression fast path);
  Node-RED's *change chain* sets \`msg.payload.f_i\` from \`msg.payload.n\` in 10 change nodes.
- *code step* (\`bench/code-step.ts\`, measured at commit \`${codeCommit}\`): one code step,
  \`return { ...record, total: record.n * 2 + record.name.length }\`, in QuickJS; Node-RED: one
  function node with the same line. Conveyor's figure includes starting the sandbox's worker thread
  (the first code step in a minute does). *Sandbox warm*: the same, once the worker has started and
  run as many records (not measured). *No-op step*: the same flow with a set-fields step that sets
  nothing — what the engine alone costs for the records, the code step's floor. *Sandbox alone*:
  the records through the sandbox pool without the engine (worker start included); *worker
  restarted*: the same after a Stop ended the first worker, so the records meet a new one, as after
  a Stop, a record's time limit or a minute idle (it is given QuickJS as the pool compiled it,
  \`wasm-module.ts\`). *Steady*: the
  code step and the no-op step after 5 runs of 1,000 records through the same flow, engine and store
  in the same process, and Node-RED's function node after 5,000 messages through the same flow (none
  of it measured): what a record costs once each process is warm (its code compiled, the sandbox
  started), as in a studio or a Node-RED that has been running. Five runs, not one: V8 drops the
  engine's optimized code when a second run starts (its objects differ from the first run's) and
  compiles it again, so a run measured right after one warm-up run still carried 40–70 optimizing
  compiles (300–650 ms of compile jobs, \`--trace-opt\`); after five, about 20 (80–110 ms). The steady
  rows at four times the records spread each run's own fixed costs (either side's) thinner: the cost
  of a record at scale. A fresh process pays a fixed cost
  before that (Conveyor's about 0.5–1 s of CPU, mostly V8 compiling the engine's and the store's code
  and starting the sandbox; Node-RED's under 0.1 s): the first rows carry it, spread over the records.
  \`BENCH_NODE_RED_CASES=code BENCH_ONLY=vs-node-red npm run bench\` measures only these.

${header}
${[...chainRows, ...codeRows].filter(Boolean).join('\n')}

${codeShares}

**Expression fast path, before and after** (same run; "other" is Conveyor with the fast path off):

${header}
${fastRows.filter(Boolean).join('\n')}

**Start-up** (case \`startup\`, measured on ${startupOn} at commit \`${startup.commit}\`, medians of ${startup.rounds}
interleaved rounds; \`BENCH_ONLY=startup npm run bench\` measures it alone): an empty data folder;
time until \`/api/health\` answers, Node-RED until its editor page answers; CPU of the process at that
moment; \`validate\` is \`conveyor validate flows/hello-records.json\` from start to exit. The load
average is the machine's 1-minute figure as each sample ended (lowest–highest). A start loads no
heavy package (browser driver, workbook reader, HTML parser, database and mail clients, sandbox,
JSON logger) before its first use; \`tests/unit/cli/startup-imports.test.ts\` fails if one does:

| what | wall | CPU | load avg (1 min) |
| --- | ---: | ---: | ---: |
${startRow('conveyor serve (compiled)', startup.serve)}
${startRow('node-red', startup.serve)}
${startRow('conveyor serve (tsx)', startup.serve)}
${startRow('conveyor validate (compiled)', startup.validate)}
${startRow('conveyor validate (tsx)', startup.validate)}

Run it with \`BENCH_ONLY=vs-node-red npm run bench\`; \`npm run bench -- --quick\` measures 10,000
records and one round only (\`BENCH_NODE_RED_SIZES=10000,100000\` and \`BENCH_NODE_RED_ROUNDS\` choose).
`;
}
