/** The studio as a real process (`bin/conveyor.js serve`), for tests that kill it with SIGKILL. */
import { spawn, type ChildProcess } from 'node:child_process';

const children: ChildProcess[] = [];

/** Kills every studio still running (for afterAll). */
export function killAllStudios(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

export async function startStudio(dataDir: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['bin/conveyor.js', 'serve'], { env: { ...process.env, DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', CONVEYOR_ALLOW_HOSTS: '127.0.0.1' /* the test sites: allowed explicitly */ }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    // ~1.5 s from the build on a quiet machine; 42 s was seen at load 26 (and more when a stale build
    // sends the CLI to tsx): 60 s failed scale tests that way, so a start gets two minutes.
    const timer = setTimeout(() => reject(new Error(`studio did not start within 120 s: ${out}`)), 120_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /at (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr!.on('data', (d) => (out += d));
  });
  return { url, child };
}

export async function api(url: string, method: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, body: await res.json() };
}

export async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}
