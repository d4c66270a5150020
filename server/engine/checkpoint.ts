/**
 * A record's checkpoint: where it stands in the graph (its tokens, fan-out groups, the steps it
 * committed, an unsafe step in flight), enough to continue it after a pause or a crash. The engine
 * owns these words (the walker writes them, resume and review read them); the stores keep them as
 * given, as one JSON document or, past fan-out's threshold, as rows (see fan-out.ts).
 */
import type { RecordData, TerminalStatus } from '../../nodes/sdk/types.ts';
import type { StepErrorInfo } from '../contract/node-error.ts';

/** A token: one position of a record in the graph (a split makes several). */
export interface TokenState {
  id: number;
  nodeId: string;
  data: RecordData;
  /** Step that produced this token's data (null: the record's input). */
  fromStep: number | null;
  /** Innermost fan-out group first; a collect node waits for the whole innermost group. */
  groups: number[];
  /** Parked at a collect node, waiting for its siblings. */
  waiting?: boolean;
  /** For a collect node's token: the data gathered from the siblings (the step's input). */
  collected?: RecordData[];
  /** Attempts already made at this node (failed ones that were retried). */
  attempts?: number;
  /** In `RecordCheckpoint.retry`: how this token's path ended (so a retry can take it back). */
  endedAs?: TerminalStatus;
  /** Where the live session (browser page) this token works in was opened: see `session-replay.ts`. */
  session?: TokenSession;
  /**
   * On an error path: the failure whose error port led here and the token that failed (as it was
   * before the step). Inherited along the path; if the path ends failed or in review, the record
   * keeps this error and a retry puts that token back.
   */
  errorPath?: { error: StepErrorInfo & { nodeId?: string }; token: TokenState };
}

/** The step that opened a token's live session, its input, and the first unsafe step committed since. */
export interface TokenSession {
  nodeId: string;
  data: RecordData;
  /** Name of an unsafe step that committed after the session opened: replaying would repeat it. */
  lockedBy?: string;
}

export interface GroupState {
  id: number;
  size: number;
  /** Siblings that have finished somewhere other than a collect node. */
  ended: number;
  /** The groups of the token that fanned out (so a completed group can rejoin its parent). */
  parentGroups: number[];
}

/** Where a record stands in the graph: enough to continue it after a pause or a crash. */
export interface RecordCheckpoint {
  tokens: TokenState[];
  groups: GroupState[];
  nextTokenId: number;
  nextGroupId: number;
  /** Steps committed so far for this record (the next step gets seq + 1). */
  seq: number;
  /**
   * The record entered past its trigger and has committed nothing since (token-graph.ts,
   * `enteredCheckpoint`): seq 1 is its trigger's step, counted by its first commit, which drops this.
   */
  entered?: true | undefined;
  /** Statuses of the tokens that already ended; the record's status is derived from them. */
  outcomes: TerminalStatus[];
  /** The error of the last path that ended as failed or sent to review (the record's error). */
  lastError?: (StepErrorInfo & { nodeId?: string }) | null;
  /**
   * An unsafe step that started and has not committed yet. Found on resume, it means the step is
   * in doubt: it may or may not have happened.
   */
  inFlight?: { tokenId: number; nodeId: string; attempt: number; startedAt: string } | null;
  /** The reason given by the last path that ended with one (an End node's reason). */
  lastReason?: string | null;
  /** Tokens that failed or went to review, kept so that an operator can retry from that step. */
  retry?: TokenState[];
}
