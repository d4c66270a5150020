import type { CredentialSource } from '../engine/credentials.ts';
import type { Store } from '../store/types.ts';
import type { MonitorLog } from './monitor-log.ts';
import type { Delivery, MonitorState } from './monitor-state.ts';

/** What alerts and summaries both need. */
export interface MonitorParts {
  store: Store;
  vault: CredentialSource;
  state: MonitorState;
  log: MonitorLog;
  now: () => number;
  /** Environment for the network policy (CONVEYOR_ALLOW_HOSTS); default process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * One delivery: `send` is tried, the outcome goes to the delivery log (`out`) and the server log
 * (with the error's code on failure). Never throws: a failed delivery must not stop the others.
 */
export async function attemptDelivery(
  log: MonitorLog,
  out: Delivery[],
  entry: Omit<Delivery, 'ok' | 'error'>,
  send: () => Promise<void>,
  said: { ok: string; failed: string; context: Record<string, unknown> },
): Promise<boolean> {
  try {
    await send();
    out.push({ ...entry, ok: true });
    log.info(said.ok, said.context);
    return true;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    const error = { code: e.code ?? 'E_ALERT_DELIVERY', message: e.message ?? String(err) };
    out.push({ ...entry, ok: false, error });
    log.error(`${said.failed}: ${error.message}`, { ...said.context, code: error.code });
    return false;
  }
}
