/** The longest delay setTimeout takes (about 24.8 days); longer ones fire at once. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export interface LongTimer {
  cancel(): void;
}

/** Calls `fn` at `at` (epoch ms), chaining timeouts when the wait is longer than setTimeout allows. */
export function setTimerAt(at: number, fn: () => void, now: () => number = Date.now): LongTimer {
  let handle: NodeJS.Timeout | null = null;
  let cancelled = false;
  const step = () => {
    if (cancelled) return;
    const wait = at - now();
    if (wait > MAX_TIMEOUT_MS) {
      handle = setTimeout(step, MAX_TIMEOUT_MS);
    } else {
      handle = setTimeout(() => {
        handle = null;
        if (!cancelled) fn();
      }, Math.max(0, wait));
    }
  };
  step();
  return {
    cancel() {
      cancelled = true;
      if (handle) clearTimeout(handle);
      handle = null;
    },
  };
}
