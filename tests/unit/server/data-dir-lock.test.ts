/**
 * The data directory's lock after its owner died: a restart right after `kill -9` (the dead studio a
 * zombie until its parent collects it), or after a reboot that gave the dead owner's process id to
 * another program, takes the directory over instead of answering E_DATA_DIR_BUSY for a process that
 * is not there. A live owner still keeps it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lockDataDir } from '../../../server/data-dir-lock.ts';

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function dataDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'conveyor-lock-'));
  dirs.push(d);
  return d;
}

/** Starts `command` and resolves with the first line it prints (then leaves it running). */
function firstLine(command: string, args: string[]): Promise<string> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(out.split('\n')[0]);
    });
    child.once('error', reject);
  });
}

/** Field 22 of /proc/<pid>/stat: the process's start time. */
function startTime(pid: number): string {
  const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ')[19];
}

const errorCode = (fn: () => unknown): string | null => {
  try {
    fn();
    return null;
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
};

const lockFile = (dir: string) => path.join(dir, 'conveyor.lock');

describe.runIf(process.platform === 'linux')('the data directory lock', () => {
  it('is taken over from an owner killed with kill -9 that its parent has not collected yet (a zombie)', async () => {
    // A parent that never waits for its child, as a supervisor busy elsewhere: the child exits at
    // once and stays a zombie, its id still "in use" to kill(pid, 0).
    const pid = Number(await firstLine('python3', ['-c', 'import os,sys,time\npid=os.fork()\nif pid==0: os._exit(0)\nprint(pid); sys.stdout.flush(); time.sleep(120)']));
    await expect.poll(() => fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0]).toBe('Z');
    for (const text of [`${pid} ${startTime(pid)}`, String(pid) /* a lock written before start times */]) {
      const dir = dataDir();
      fs.writeFileSync(lockFile(dir), text);
      const unlock = lockDataDir(dir);
      expect(fs.readFileSync(lockFile(dir), 'utf8')).toBe(`${process.pid} ${startTime(process.pid)}`);
      unlock();
      expect(fs.existsSync(lockFile(dir))).toBe(false);
    }
  });

  it('is taken over when the owner’s process id now belongs to another program (started at another time)', async () => {
    const pid = Number(await firstLine(process.execPath, ['-e', 'console.log(process.pid); setInterval(() => {}, 1000)']));
    const dir = dataDir();
    fs.writeFileSync(lockFile(dir), `${pid} ${Number(startTime(pid)) - 1}`);
    const unlock = lockDataDir(dir);
    expect(fs.readFileSync(lockFile(dir), 'utf8').split(' ')[0]).toBe(String(process.pid));
    unlock();
  });

  it('is refused (E_DATA_DIR_BUSY) while its owner runs, whether the lock names its start time or not', async () => {
    const pid = Number(await firstLine(process.execPath, ['-e', 'console.log(process.pid); setInterval(() => {}, 1000)']));
    for (const text of [`${pid} ${startTime(pid)}`, String(pid)]) {
      const dir = dataDir();
      fs.writeFileSync(lockFile(dir), text);
      expect(errorCode(() => lockDataDir(dir))).toBe('E_DATA_DIR_BUSY');
      expect(fs.readFileSync(lockFile(dir), 'utf8')).toBe(text); // left as it was
    }
  });
});
