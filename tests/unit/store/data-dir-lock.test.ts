/**
 * The data directory's lock after a crash (kill -9, a power cut): the lock file the dead studio left
 * is taken over — also when its pid now belongs to another process — and two processes starting at
 * once on that folder never both get it (two writers on one journal would corrupt it).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { identityOf, lockDataDir } from '../../../server/data-dir-lock.ts';

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'conveyor-lock-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A child taking the lock: resolves with each line it prints, in order, as they come. */
function child(dir: string, pace: 'slow' | 'fast') {
  const p = spawn(process.execPath, ['--import', 'tsx', 'tests/unit/store/lock-child.ts', dir, pace], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  p.stdout.setEncoding('utf8').on('data', (d: string) => {
    lines.push(...d.split('\n').filter(Boolean));
    waiters.splice(0).forEach((w) => w());
  });
  const until = (line: string) =>
    new Promise<void>((resolve) => {
      const check = () => (lines.includes(line) || lines.includes('got') || lines.includes('busy') ? resolve() : waiters.push(check));
      check();
    });
  const verdict = async () => {
    await new Promise<void>((resolve) => {
      const check = () => (lines.includes('got') || lines.includes('busy') ? resolve() : waiters.push(check));
      check();
    });
    return lines.includes('got') ? 'got' : 'busy';
  };
  return { until, verdict, kill: () => p.kill('SIGKILL') };
}

describe('the data directory lock after a crash', () => {
  it('two processes taking over a dead studio\'s lock at once: exactly one gets the folder', async () => {
    const dir = temp();
    writeFileSync(path.join(dir, 'conveyor.lock'), '999999'); // the studio that held it was killed
    // The slow one reads the stale lock and is held there until the fast one took the folder.
    const slow = child(dir, 'slow');
    await slow.until('read');
    const fast = child(dir, 'fast');
    const first = await fast.verdict();
    writeFileSync(`${dir}.go`, '');
    const verdicts = [first, await slow.verdict()];
    slow.kill();
    fast.kill();
    expect(verdicts).toEqual(['got', 'busy']);
  }, 30_000);

  it.runIf(identityOf(process.pid) !== null)('a lock whose pid now belongs to another process (pid reused after a crash) is taken over; a live owner keeps it', () => {
    const dir = temp();
    const file = path.join(dir, 'conveyor.lock');
    // Written by a studio that died: its pid is alive now, but as another process (another start time).
    writeFileSync(file, `${process.ppid}\n${identityOf(process.ppid)!.replace(/:(\d+)$/, (_: string, t: string) => `:${Number(t) + 1}`)}`);
    const unlock = lockDataDir(dir);
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe(String(process.pid));
    unlock();
    // The same pid as the process that runs under it: the folder is in use.
    writeFileSync(file, `${process.ppid}\n${identityOf(process.ppid)}`);
    expect(() => lockDataDir(dir)).toThrow(expect.objectContaining({ code: 'E_DATA_DIR_BUSY' }));
  });

  it.runIf(identityOf(process.pid) !== null)('a lock of a studio killed with kill -9 that its parent has not collected yet (a zombie) is taken over at once', async () => {
    // A parent that never waits for its child, as a supervisor busy elsewhere: the child exits at
    // once and stays a zombie, its pid still answering kill(pid, 0). Restarting right after a kill -9
    // answered E_DATA_DIR_BUSY for a process that was not there.
    const zombie = spawn('python3', ['-c', 'import os,sys,time\npid=os.fork()\nif pid==0: os._exit(0)\nprint(pid); sys.stdout.flush(); time.sleep(120)'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const pid = await new Promise<number>((resolve) => zombie.stdout.once('data', (d) => resolve(Number(String(d).trim()))));
      await expect.poll(() => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0]).toBe('Z');
      for (const text of [`${pid}\n${identityOf(pid)}`, String(pid) /* a lock written before identities */]) {
        const dir = temp();
        const file = path.join(dir, 'conveyor.lock');
        writeFileSync(file, text);
        const unlock = lockDataDir(dir);
        expect(readFileSync(file, 'utf8')).toBe(`${process.pid}\n${identityOf(process.pid)}`);
        unlock();
      }
    } finally {
      zombie.kill('SIGKILL');
    }
  });
});
