import type { StepErrorInfo } from '../contract/node-error.ts';
import type { TokenSession, TokenState } from '../store/types.ts';
import type { CompiledFlow, CompiledNode } from './compiled-flow.ts';

/**
 * A record's live session (its browser page) lives in the process: a crash, a restart or a Stop
 * ends it, while the record's checkpoint survives. So each token remembers where its session was
 * opened (`TokenState.session`): the step that opened it and that step's input. A record resumed at
 * a step that needs the session replays its path from there — the page is opened again, the form
 * filled again — unless an unsafe step committed since (a click that submitted something): replaying
 * would do it twice, so the record goes to review instead.
 */

/** The session a token carries on after `node` ran (pure: called by `advance`). */
export function sessionAfter(node: CompiledNode, token: TokenState): TokenSession | undefined {
  if (node.def.session === 'opens') return { nodeId: node.id, data: token.data };
  const session = token.session;
  if (!session) return undefined;
  if (node.def.effect === 'unsafe' && !session.lockedBy) return { ...session, lockedBy: node.name };
  return session;
}

/** True when the token is about to run a step that needs a session this walk has not opened. */
export function needsReplay(node: CompiledNode, token: TokenState, sessionOpen: boolean): token is TokenState & { session: TokenSession } {
  return node.def.session === 'uses' && !sessionOpen && token.session !== undefined;
}

/** The token put back at the step that opened its session, with that step's input. */
export function rewound(token: TokenState): TokenState {
  const { session, ...rest } = token;
  return { ...rest, nodeId: session!.nodeId, data: session!.data, fromStep: null, attempts: 0 };
}

/** Moves the token back to where its session was opened (in place: it keeps its id, groups and error path). */
export function rewind(token: TokenState): void {
  Object.assign(token, rewound(token));
  delete token.session;
}

/** The review error of a record whose session cannot be replayed (an unsafe step committed since it opened). */
export function sessionLostError(flow: CompiledFlow, session: TokenSession, stepName: string): StepErrorInfo {
  const opener = flow.nodes.get(session.nodeId)?.name ?? session.nodeId;
  return {
    code: 'E_SESSION_LOST',
    message: `The record's web page was lost when the run stopped or the studio restarted, before step "${stepName}". Replaying it from "${opener}" would run "${session.lockedBy}" again, which already changed things on the site, so it was not replayed.`,
    hint: `Check on the site whether the record got through, then resolve it with a note — or Retry it: the page is then opened again from "${opener}" and "${session.lockedBy}" runs a second time.`,
    transient: false,
  };
}
