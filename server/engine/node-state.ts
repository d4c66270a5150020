import type { Json, NodeStateAccess, StateWrite } from '../../nodes/sdk/types.ts';
import type { NodeStateWrite, Store } from '../store/types.ts';
import type { CompiledNode } from './compiled-flow.ts';

/** The store scope of a stateful node's state in a run (`run:<id>` or `flow:<id>`), or null when it keeps none. */
export function stateScopeOf(node: CompiledNode, runId: string, flowId: string): string | null {
  const declared = node.def.state;
  if (!declared) return null;
  const scope = typeof declared === 'function' ? declared(node.params) : declared;
  return scope === 'flow' ? `flow:${flowId}` : `run:${runId}`;
}

export const NO_STATE: NodeStateAccess = {
  get: async () => null,
  list: async () => [],
};

export function stateAccess(store: Store, scope: string, nodeId: string): NodeStateAccess {
  return {
    get: (key) => store.getNodeState(scope, nodeId, key),
    list: (prefix) => store.listNodeState(scope, nodeId, prefix),
  };
}

/** A step's state writes as store writes; refuses what the store could not keep. */
export function stateWrites(scope: string, nodeId: string, writes: StateWrite[] | undefined): NodeStateWrite[] {
  if (!writes?.length) return [];
  return writes.map((w) => {
    if (typeof w?.key !== 'string' || w.key.length === 0 || w.key.length > 1024) {
      throw new Error(`a state key must be a string of 1 to 1024 characters (got ${JSON.stringify(w?.key)?.slice(0, 40)})`);
    }
    return { scope, nodeId, key: w.key, value: (w.value ?? null) as Json | null };
  });
}

/**
 * One step at a time per (scope, node): a stateful step reads its state, decides and commits before the
 * next one reads. Shared by every run of the engine, so flow-scoped state is never raced across runs.
 */
export class StateLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async acquire(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => held);
    this.tails.set(key, tail);
    await previous;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}
