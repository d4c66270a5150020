import { readFileSync } from 'node:fs';

/**
 * A process told apart from a later one given the same id, and a dead one from a live one. On Linux
 * `/proc/<pid>/stat` holds the process's state and its start time (clock ticks since boot, field
 * 22) and `/proc/sys/kernel/random/boot_id` names the boot; elsewhere only the id is known.
 */
function procStat(pid: number): { state: string; start: string } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may hold spaces and parentheses itself.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field 22 (start time) is fields[19].
  return fields.length > 19 ? { state: fields[0], start: fields[19] } : null;
}

/** Whether `/proc` describes this system's processes (Linux). */
let procWorks: boolean | undefined;
function hasProc(): boolean {
  return (procWorks ??= procStat(process.pid) !== null);
}

/** Which process `pid` is: this boot and the process's start time (Linux), or null where the system does not tell. */
export function processIdentity(pid: number): string | null {
  const st = hasProc() ? procStat(pid) : null;
  if (!st) return null;
  try {
    return `${readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}:${st.start}`;
  } catch {
    return null;
  }
}

/**
 * Whether process `pid` runs. A zombie — exited, its parent has not collected it yet, as a studio
 * killed with kill -9 is for a moment (or for good under a supervisor that never waits) — does not:
 * kill(pid, 0) still answers for it.
 */
export function processAlive(pid: number): boolean {
  if (hasProc()) {
    const st = procStat(pid);
    return st !== null && st.state !== 'Z' && st.state !== 'X';
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
