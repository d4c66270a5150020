import type { LogRow, RecordStatus, RunStatus } from '../store/types.ts';
import type { StepErrorInfo } from '../contract/node-error.ts';

/** What the engine tells the outside world. Adapters (Socket.IO, CLI) subscribe; the engine knows none of them. */
export type EngineEvent =
  | { type: 'run'; runId: string; status: RunStatus; reason: StepErrorInfo | null }
  | { type: 'record'; runId: string; index: number; status: RecordStatus }
  | { type: 'step'; runId: string; nodeId: string; phase: 'start' | 'end'; status?: 'success' | 'failed'; nodeType?: string; durationMs?: number }
  | { type: 'log'; row: LogRow };

export type EngineListener = (event: EngineEvent) => void;
