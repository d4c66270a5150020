// Conveyor next to Node-RED on this machine, in one run, interleaved (A B A B…): the 10-step
// chains, the code step, start-up. Each case runs in a child process of its own; the figures are
// the medians over the rounds. Used by bench/run.ts (case "vs-node-red").
import { execFileSync } from 'node:child_process';
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
}
export interface VsNodeRed {
  /** The commit measured (with uncommitted changes, if any, on top). */
  commit: string;
  nodeRedVersion: string;
  rounds: number;
  cores: number;
  runs: CaseRun[];
}

function conveyor(records: number, kind: string, fast = true): CaseRun {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/engine-chain.ts', String(records), '64', kind, fast ? 'fast' : 'slow'], { encoding: 'utf8', maxBuffer: 16 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
  return { ...(JSON.parse(out.trim().split('\n').pop()!) as CaseRun), loadavg: os.loadavg() };
}

function nodeRed(records: number, kind: string): CaseRun {
  const out = execFileSync(process.execPath, ['bench/node-red/nr-case.cjs', kind, String(records)], { encoding: 'utf8', maxBuffer: 16 << 20, stdio: ['ignore', 'pipe', 'inherit'] });
  return { ...(JSON.parse(out.trim().split('\n').pop()!) as CaseRun), loadavg: os.loadavg() };
}

/** One round: every case once, Conveyor and Node-RED alternating. */
function round(records: number, codeRecords: number, log: (s: string) => void): CaseRun[] {
  const steps: Array<[string, () => CaseRun]> = [
    ['Conveyor JSONata chain', () => conveyor(records, 'jsonata')],
    ['Node-RED function chain', () => nodeRed(records, 'function-chain')],
    ['Conveyor JSONata chain, fast path off', () => conveyor(records, 'jsonata', false)],
    ['Node-RED JSONata change chain', () => nodeRed(records, 'jsonata-chain')],
    ['Conveyor field chain', () => conveyor(records, 'field')],
    ['Node-RED change chain', () => nodeRed(records, 'change-chain')],
    ['Conveyor field chain, fast path off', () => conveyor(records, 'field', false)],
    ['Conveyor code step', () => conveyor(codeRecords, 'code')],
    ['Node-RED function node', () => nodeRed(codeRecords, 'function')],
  ];
  return steps.map(([name, measure]) => {
    const r = measure();
    log(`  ${name}, ${r.records} records: ${r.cpuSeconds.toFixed(2)} s CPU, ${r.seconds.toFixed(2)} s wall\n`);
    return r;
  });
}

export async function measureVsNodeRed(opts: { sizes: number[]; codeRecords: number; rounds: number; log: (s: string) => void }): Promise<VsNodeRed> {
  const nodeRedVersion = installNodeRed();
  const runs: CaseRun[] = [];
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
  const codeRows = codeSizes.map((n) => row('code step vs Node-RED function node', pick(v, 'conveyor', 'code', n), pick(v, 'node-red', 'function', n)));
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
alternating. Every case is a process of its own. *CPU* is that process's user + system time (every
thread: Conveyor's code sandbox workers too) from the first record to the last, *wall* the elapsed
time, *peak RSS* the process's \`maxRSS\`; the load average is the machine's at the end of each case.
Conveyor commits every step of every record to its store before the record moves on; Node-RED keeps
messages in memory only.

- *JSONata chain*: 10 set-fields steps, \`f_i = n * i + $length(name)\` (\`bench/engine-chain.ts\`).
  Node-RED's *function chain* does the same in 10 function nodes, its *JSONata change chain* in 10
  change nodes with the same JSONata (\`payload.n * i + $length(payload.name)\`).
- *field chain*: 10 set-fields steps \`f_i = n\` (a plain field reference: the expression fast path);
  Node-RED's *change chain* sets \`msg.payload.f_i\` from \`msg.payload.n\` in 10 change nodes.
- *code step*: one code step, \`return { ...record, total: record.n * 2 + record.name.length }\`, in
  QuickJS; Node-RED: one function node with the same line.

${header}
${[...chainRows, ...codeRows].filter(Boolean).join('\n')}

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
