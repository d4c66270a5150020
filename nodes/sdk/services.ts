import type { RecordData, TerminalStatus } from './types.ts';

/**
 * What the studio offers steps beyond credentials and the network: tracked mail and starting other
 * flows. The engine builds both for each step (bound to its run, record and node), so a step can
 * neither sign links for another record nor start runs in another step's name.
 */

/** Tracked mail for one send step and record (docs/user-guide.md, "Tracking opens and clicks"). */
export interface TrackingAccess {
  /** The studio address the links point at (CONVEYOR_PUBLIC_URL, else where it listens); null when unknown, e.g. a CLI run. */
  readonly baseUrl: string | null;
  /** Why this process makes no tracked link although it knows the address (its tracking secret is not the other studios'), or null. */
  readonly unavailable?: string | null;
  /** A signed redirect (`/t/c/<token>`) to `target`, an http(s) address: the `link`-th link of the mail (0 = first). */
  clickUrl(target: string, link: number): string;
  /** The open pixel (`/t/o/<token>.gif`). */
  openUrl(): string;
  /** The unsubscribe page (`/t/u/<token>`) for these recipients. */
  unsubscribeUrl(addresses: string[]): string;
  /** Those of `addresses` that are on the installation's suppression list. */
  suppressed(addresses: string[]): Promise<string[]>;
}

/** A run started by a step (the Run flow step). */
export interface ChildRun {
  id: string;
  flowId: string;
  flowName: string;
  /** True when this very step had started it before (it resumed after a restart or a pause): it was not started again. */
  existing: boolean;
}

export interface ChildRecordOutcome {
  index: number;
  status: TerminalStatus | 'pending' | 'running';
  output: RecordData | null;
  error: { code: string; message: string; hint: string } | null;
}

export interface ChildRunOutcome {
  id: string;
  flowId: string;
  flowName: string;
  /** completed or failed (the run itself could not go on). */
  status: string;
  reason: { code: string; message: string; hint: string } | null;
  recordCount: number;
  /** The first 100 records, in order. */
  records: ChildRecordOutcome[];
}

/** Starting other flows from a step. */
export interface FlowCalls {
  /**
   * Starts the saved flow `flowId` with `records` as its run input. Asked again by the same step
   * execution — after a crash, a Stop or a Pause interrupted it — it returns the run started the first
   * time (resuming it if it was interrupted or paused), never a second one. Refuses a flow already in
   * the chain of calls (E_FLOW_RECURSION) and chains deeper than 8 (E_FLOW_DEPTH).
   */
  start(flowId: string, records: RecordData[]): Promise<ChildRun>;
  /**
   * Resolves when the run has finished. `signal` (the step's) ends the wait; so does a Pause or Stop
   * of the calling run, without committing the step: when the run goes on, the step waits again for
   * the same child run.
   */
  wait(runId: string, signal: AbortSignal): Promise<ChildRunOutcome>;
}
