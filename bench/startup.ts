// Start-up, side by side: `conveyor serve` until /api/health answers (compiled build and from the
// TypeScript sources) and Node-RED until its editor page answers, both with an empty data folder;
// `conveyor validate` CPU time. Interleaved run by run. CPU time is the child process's user +
// system time (/proc/<pid>/stat) at the moment it first answered, or at exit for validate.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nodeRedDir } from './node-red/install.ts';

export interface StartupSample {
  what: 'conveyor serve (compiled)' | 'conveyor serve (tsx)' | 'node-red';
  seconds: number;
  cpuSeconds: number;
  /** The machine's 1-minute load average when the sample ended. */
  load?: number;
}
export interface ValidateSample {
  what: 'conveyor validate (compiled)' | 'conveyor validate (tsx)';
  seconds: number;
  cpuSeconds: number;
  load?: number;
}
/** The case "startup" of npm run bench (BENCH_ONLY=startup measures it alone). */
export interface StartupResult {
  commit: string;
  rounds: number;
  serve: StartupSample[];
  validate: ValidateSample[];
}

const TICKS = 100; // getconf CLK_TCK on Linux

function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS; // utime, stime
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts `args` and polls `url` every 10 ms; the time and CPU when it first answers 200. */
async function timeToAnswer(what: StartupSample['what'], args: string[], env: NodeJS.ProcessEnv, url: string): Promise<StartupSample> {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}): ${err}`);
      const ok = await fetch(url).then((r) => r.ok, () => false);
      if (ok) return { what, seconds: (performance.now() - t0) / 1000, cpuSeconds: cpuOf(child.pid!), load: os.loadavg()[0] };
      if (performance.now() - t0 > 60_000) throw new Error(`${what} did not answer in 60 s: ${err}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
  }
}

async function serve(compiled: boolean): Promise<StartupSample> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-bench-start-'));
  const port = await freePort();
  try {
    const env = { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dir, CONVEYOR_FROM_BUILD: compiled ? '1' : '', CONVEYOR_FROM_SOURCE: compiled ? '' : '1' };
    return await timeToAnswer(compiled ? 'conveyor serve (compiled)' : 'conveyor serve (tsx)', ['bin/conveyor.js', 'serve'], env, `http://127.0.0.1:${port}/api/health`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function nodeRed(): Promise<StartupSample> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-bench-nr-start-'));
  const port = await freePort();
  writeFileSync(path.join(dir, 'flows.json'), '[]');
  try {
    const red = path.join(nodeRedDir(), 'node_modules', 'node-red', 'red.js');
    return await timeToAnswer('node-red', [red, '--userDir', dir, '--port', String(port), 'flows.json'], process.env, `http://127.0.0.1:${port}/`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function validate(compiled: boolean): ValidateSample {
  const env = { ...process.env, CONVEYOR_FROM_BUILD: compiled ? '1' : '', CONVEYOR_FROM_SOURCE: compiled ? '' : '1' };
  const r = spawnSync('/usr/bin/time', ['-f', 'CPU %U %S %e', process.execPath, 'bin/conveyor.js', 'validate', 'flows/hello-records.json'], { env, encoding: 'utf8' });
  const m = /CPU ([\d.]+) ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`validate failed: ${r.stderr}`);
  return { what: compiled ? 'conveyor validate (compiled)' : 'conveyor validate (tsx)', cpuSeconds: Number(m[1]) + Number(m[2]), seconds: Number(m[3]), load: os.loadavg()[0] };
}

/** `reps` interleaved rounds: compiled serve, Node-RED, serve from sources, validate both ways. */
export async function measureStartup(reps: number): Promise<StartupResult> {
  const build = spawnSync(process.execPath, ['scripts/build-server.mjs'], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) throw new Error('npm run build:server failed');
  const serveSamples: StartupSample[] = [];
  const validateSamples: ValidateSample[] = [];
  for (let i = 0; i < reps; i++) {
    serveSamples.push(await serve(true), await nodeRed(), await serve(false));
    validateSamples.push(validate(true), validate(false));
  }
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
  return { commit, rounds: reps, serve: serveSamples, validate: validateSamples };
}
