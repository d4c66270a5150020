import type { Emission, RecordData, TerminalStatus } from '../../nodes/sdk/types.ts';
import type { RecordCheckpoint, TokenState } from '../store/types.ts';
import type { CompiledFlow } from './compiled-flow.ts';
import { sessionAfter } from './session-replay.ts';

/**
 * Pure moves of a record's tokens through the graph. The walker calls these after each step and
 * commits the resulting checkpoint; nothing here does I/O.
 */

/** A record at its trigger, its trigger's step still to run (a retry from the start, a trigger with nothing after it). */
export function initialCheckpoint(flow: CompiledFlow, data: RecordData): RecordCheckpoint {
  return {
    tokens: [{ id: 1, nodeId: flow.trigger.id, data, fromStep: null, groups: [] }],
    groups: [],
    nextTokenId: 2,
    nextGroupId: 1,
    seq: 0,
    outcomes: [],
  };
}

/**
 * A new record past its trigger: at the trigger's next steps, as the trigger's step would have left
 * it. Every trigger's step passes the record on as it is, so running and committing it only copied
 * what the record's row holds — and with one step after it, it was one commit in two: skipping it
 * cut the CPU per record of a trigger and one no-op step by a third (20,000 records, paired runs,
 * docs/benchmarks.md). The trigger's step keeps its place, seq 1 (the record's next step is 2, as
 * before): it is counted by the record's first commit (`entered`, then `RecordUpdate.entered`) and
 * shown (entry-step.ts); the next tokens come from it (`fromStep` 1: its output is the record's own
 * data). Null when the trigger leads nowhere: the record then runs its trigger's step, which ends it.
 */
export function enteredCheckpoint(flow: CompiledFlow, data: RecordData): RecordCheckpoint | null {
  const port = flow.trigger.def.outputs[0]?.id;
  if (port === undefined || !(flow.trigger.next.get(port)?.length)) return null;
  const cp = initialCheckpoint(flow, data);
  advance(flow, cp, cp.tokens[0], [{ port, data }], 1, undefined);
  cp.seq = 1;
  cp.entered = true;
  return cp;
}

/** The next token that can run now (FIFO), or undefined when all remaining tokens wait at a collect. */
export function nextRunnable(cp: RecordCheckpoint): TokenState | undefined {
  return cp.tokens.find((t) => !t.waiting);
}

/**
 * Replaces `token` by the tokens its emissions create. Several new tokens form a fan-out group that
 * a collect node downstream can wait for. Returns the ended token's outcome when nothing follows.
 */
export function advance(
  flow: CompiledFlow,
  cp: RecordCheckpoint,
  token: TokenState,
  emissions: Emission[],
  stepSeq: number,
  end: TerminalStatus | undefined,
): { ended: TerminalStatus | null; lastData: RecordData } {
  const node = flow.nodes.get(token.nodeId)!;
  const targets: Array<{ nodeId: string; data: RecordData }> = [];
  for (const emission of emissions) {
    for (const target of node.next.get(emission.port) ?? []) targets.push({ nodeId: target, data: emission.data });
  }
  removeToken(cp, token.id);
  const lastData = emissions.length ? emissions[emissions.length - 1].data : token.data;

  if (targets.length === 0) {
    const ended = end ?? 'success';
    if (!holdErrorPath(cp, token, ended)) cp.outcomes.push(ended);
    settleGroups(cp, token.groups);
    return { ended, lastData };
  }
  let groups = token.groups;
  if (targets.length > 1) {
    const id = cp.nextGroupId++;
    cp.groups.push({ id, size: targets.length, ended: 0, parentGroups: token.groups });
    groups = [id, ...token.groups];
  }
  for (const target of targets) {
    const next: TokenState = { id: cp.nextTokenId++, nodeId: target.nodeId, data: target.data, fromStep: stepSeq, groups };
    if (token.errorPath) next.errorPath = token.errorPath;
    const session = sessionAfter(node, token);
    if (session) next.session = session;
    if (flow.nodes.get(target.nodeId)!.def.collect) next.waiting = true;
    cp.tokens.push(next);
  }
  settleGroups(cp, groups);
  return { ended: null, lastData };
}

/**
 * A path that an error port led somewhere and that still ended failed or in review did not recover:
 * the record keeps the failure that routed it, and the token that failed is kept so that a retry
 * resumes at that step (it holds its place in its fan-out groups meanwhile, see `settleGroups`).
 * A path that recovers (ends success or skipped) leaves no error behind.
 */
function holdErrorPath(cp: RecordCheckpoint, token: TokenState, ended: TerminalStatus): boolean {
  const routed = token.errorPath;
  if (!routed || (ended !== 'failed' && ended !== 'needs_review')) return false;
  cp.lastError = routed.error;
  const retry = (cp.retry ??= []);
  // Several branches of one error path may end so: the failing step is kept (and counted) once,
  // as failed if any branch failed. True: this end is merged into the path already kept.
  const kept = retry.find((t) => t.id === routed.token.id && t.nodeId === routed.token.nodeId);
  if (!kept) {
    retry.push({ ...routed.token, attempts: 0, waiting: false, endedAs: ended });
    return false;
  }
  if (ended === 'failed' && kept.endedAs === 'needs_review') {
    const i = cp.outcomes.lastIndexOf('needs_review');
    if (i >= 0) cp.outcomes[i] = 'failed';
    kept.endedAs = 'failed';
  }
  return true;
}

/** Ends a token with a status (failure with no error port, review, skip). */
export function endToken(cp: RecordCheckpoint, token: TokenState, status: TerminalStatus): void {
  removeToken(cp, token.id);
  cp.outcomes.push(status);
  settleGroups(cp, token.groups);
}

function removeToken(cp: RecordCheckpoint, id: number): void {
  const i = cp.tokens.findIndex((t) => t.id === id);
  if (i >= 0) cp.tokens.splice(i, 1);
}

/**
 * A group is settled when every token descended from it has either ended or is parked at a collect
 * node as a direct member: then each collect node holding members runs once with all of them.
 * A top-level token parked at a collect (no fan-out above it) is released at once.
 */
function settleGroups(cp: RecordCheckpoint, groups: number[]): void {
  releaseLoneCollects(cp);
  let chain = groups;
  while (chain.length) {
    const gid = chain[0];
    const group = cp.groups.find((g) => g.id === gid);
    if (!group) return;
    // A member that failed or waits for review keeps its place: the collect waits until it is
    // retried (or the record is settled by a person), so it never runs without it, nor twice.
    if (isHeld(cp, gid)) return;
    const members = cp.tokens.filter((t) => t.groups.includes(gid));
    if (members.length === 0) {
      cp.groups = cp.groups.filter((g) => g.id !== gid);
      chain = group.parentGroups;
      continue;
    }
    const parked = members.every((t) => t.waiting && t.groups[0] === gid);
    if (!parked) return;
    const byNode = new Map<string, TokenState[]>();
    for (const t of members) byNode.set(t.nodeId, [...(byNode.get(t.nodeId) ?? []), t]);
    cp.tokens = cp.tokens.filter((t) => !t.groups.includes(gid));
    cp.groups = cp.groups.filter((g) => g.id !== gid);
    for (const [nodeId, tokens] of byNode) {
      const routed = tokens.find((t) => t.errorPath)?.errorPath;
      cp.tokens.push({
        id: cp.nextTokenId++,
        nodeId,
        data: tokens[0].data,
        collected: tokens.map((t) => t.data),
        fromStep: null,
        groups: group.parentGroups,
        ...(routed ? { errorPath: routed } : {}),
      });
    }
    return;
  }
}

function isHeld(cp: RecordCheckpoint, gid: number): boolean {
  return (cp.retry ?? []).some((t) => t.endedAs !== 'skipped' && t.groups.includes(gid));
}

function releaseLoneCollects(cp: RecordCheckpoint): void {
  for (const t of cp.tokens) {
    if (t.waiting && t.groups.length === 0) {
      t.waiting = false;
      t.collected = [t.data];
    }
  }
}

/** The record's terminal status from the outcomes of its tokens: the worst one wins. */
export function recordStatus(outcomes: TerminalStatus[]): TerminalStatus {
  if (outcomes.includes('failed')) return 'failed';
  if (outcomes.includes('needs_review')) return 'needs_review';
  if (outcomes.includes('success')) return 'success';
  if (outcomes.length === 0) return 'success';
  return 'skipped';
}
