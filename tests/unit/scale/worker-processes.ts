/** `npx conveyor worker` as real processes (bin/conveyor.js worker), for tests that kill them with SIGKILL. */
import { spawn, type ChildProcess } from 'node:child_process';

const children: ChildProcess[] = [];

export function killAllWorkers(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

/** Starts a worker and resolves once it takes records (its first log line says so). */
export async function startWorker(id: string, env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['bin/conveyor.js', 'worker', '--id', id], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    // From the sources (a build older than them) under a load of 40 on 2 cores, a start took over 60 s.
    const timer = setTimeout(() => reject(new Error(`worker ${id} did not start: ${out}`)), 180_000);
    child.stdout!.on('data', (d) => {
      out += d;
      if (/takes records/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr!.on('data', (d) => (out += d));
    child.once('exit', (code) => reject(new Error(`worker ${id} exited (${code}): ${out}`)));
  });
  return child;
}
