/** Cancellation helpers: the engine treats an error named AbortError as "the run was stopped". */

/** An AbortError for `signal` (its own reason when that already is one). */
export function abortError(signal: AbortSignal, message = 'The step was cancelled.'): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  const err = new Error(message, { cause: reason });
  err.name = 'AbortError';
  return err;
}

/** Waits `ms` milliseconds; rejects with an AbortError as soon as `signal` aborts (the timer is cleared). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(abortError(signal, 'The wait was cancelled.'));
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal, 'The wait was cancelled.'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
