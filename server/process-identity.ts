import { readFileSync } from 'node:fs';

/**
 * A process told apart from a later one given the same id. On Linux `/proc/<pid>/stat` holds the
 * process's start time (clock ticks since boot, field 22) and its state; elsewhere only the id is
 * known (null).
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

/** The start time of process `pid` as the system tells it (an opaque text), or null where it cannot. */
export function processStartTime(pid: number): string | null {
  return hasProc() ? (procStat(pid)?.start ?? null) : null;
}

/**
 * Whether process `pid` runs — and, when `start` is given and the system tells start times, is the
 * one that started then (not a later process given the same id). A zombie (exited, its parent has not
 * collected it yet) does not run.
 */
export function processAlive(pid: number, start: string | null = null): boolean {
  if (hasProc()) {
    const st = procStat(pid);
    if (!st || st.state === 'Z' || st.state === 'X') return false;
    return start === null || st.start === start;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
