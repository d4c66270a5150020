import type { StepErrorInfo } from '../contract/node-error.ts';

/**
 * The stuck-step watchdog: how long a step may go on after its timeout cancelled it.
 *
 * A node is asked to stop through `ctx.signal` when its timeout passes; one that ignores the signal
 * keeps running in the background. For a safe step that only wastes work, so the record moves on at
 * once with E_TIMEOUT (as before). For an unsafe step (`effect: 'unsafe'`) the late work may still
 * send the mail or make the payment: running it again would do it twice. So an unsafe step is given
 * a grace to settle; if it does not, its outcome is unknown and it is put in doubt (E_STEP_STUCK →
 * review), never retried blindly.
 */
export interface StepWatch {
  /** How long a cancelled step may take to settle before it counts as stuck. */
  graceMs: number;
  /** Told when a step is still running after its timeout plus the grace (for the run log and metrics). */
  onStuck?(info: { nodeId: string; nodeName: string; unsafe: boolean; timeoutMs: number; graceMs: number }): void;
}

/** Default grace after a step's timeout (CONVEYOR_STEP_GRACE_MS overrides it). */
export const DEFAULT_GRACE_MS = 30_000;

export function graceFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = Number(env.CONVEYOR_STEP_GRACE_MS);
  return Number.isFinite(raw) && raw >= 0 ? raw : DEFAULT_GRACE_MS;
}

export type Guarded<T> =
  | { kind: 'done'; value: T }
  /** Cancelled at its timeout (it settled, or it is safe to leave behind). */
  | { kind: 'timeout' }
  /** An unsafe step still running after its timeout plus the grace: whether it happened is unknown. */
  | { kind: 'stuck' }
  /** The run was stopped while the step was waited for. */
  | { kind: 'cancelled' };

export interface GuardOptions {
  timeoutMs: number;
  unsafe: boolean;
  watch: StepWatch;
  nodeId: string;
  nodeName: string;
  /** Asks the node to stop (aborts its `ctx.signal`). */
  cancel(): void;
  /** The run's own signal: a Stop ends the wait as `cancelled`. */
  runSignal: AbortSignal;
}

/**
 * Waits for `work` under the step's timeout. Throws what `work` throws before the timeout. After
 * the timeout the node is cancelled; then a safe step ends as `timeout` at once, an unsafe one is
 * waited for up to the grace: settled by then → its result (done, or `timeout` if it gave up), not
 * settled → `stuck`. Either way a step still running at timeout + grace is reported to `onStuck`.
 */
export async function guardStep<T>(work: Promise<T>, opts: GuardOptions): Promise<Guarded<T>> {
  let settled = false;
  const outcome = work.then(
    (value) => ((settled = true), { ok: true as const, value }),
    (error: unknown) => ((settled = true), { ok: false as const, error }),
  );
  const first = await Promise.race([outcome, wait(opts.timeoutMs)]);
  if (first !== TIMER) {
    if (first.ok) return { kind: 'done', value: first.value };
    throw first.error;
  }
  opts.cancel();
  const report = () => {
    if (!settled) opts.watch.onStuck?.({ nodeId: opts.nodeId, nodeName: opts.nodeName, unsafe: opts.unsafe, timeoutMs: opts.timeoutMs, graceMs: opts.watch.graceMs });
  };
  if (!opts.unsafe) {
    // The record moves on now; the watchdog still tells if the abandoned work never ends.
    void wait(opts.watch.graceMs, true).then(report);
    return { kind: 'timeout' };
  }
  const stopped = new Promise<'stopped'>((resolve) => {
    if (opts.runSignal.aborted) resolve('stopped');
    else opts.runSignal.addEventListener('abort', () => resolve('stopped'), { once: true });
  });
  const late = await Promise.race([outcome, wait(opts.watch.graceMs), stopped]);
  if (late === 'stopped') return { kind: 'cancelled' };
  if (late === TIMER) {
    report();
    return { kind: 'stuck' };
  }
  // It settled within the grace: a success is a success (the effect happened, late); a failure is the timeout.
  return late.ok ? { kind: 'done', value: late.value } : { kind: 'timeout' };
}

const TIMER = Symbol('timer');

function wait(ms: number, unref = false): Promise<typeof TIMER> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(TIMER), ms);
    if (unref) t.unref();
  });
}

/** The error of an unsafe step that did not settle within its timeout plus the grace. */
export function stuckInfo(nodeName: string, timeoutMs: number, graceMs: number): StepErrorInfo {
  return {
    code: 'E_STEP_STUCK',
    message: `Step "${nodeName}" did not finish within its timeout of ${timeoutMs} ms and was still running ${graceMs} ms after it was cancelled. It changes things outside Conveyor, so it may or may not have happened: it is not run again automatically.`,
    hint: 'Check in the target system whether it happened, then resolve the record or retry it. Raise the step\'s timeout if the step is just slow.',
    transient: false,
  };
}
