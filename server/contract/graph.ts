/**
 * The graph rules of a flow, said once: which connections are refused (a node into itself, into a
 * trigger, the same connection twice, a loop). The flow checks (server/flow/validate.ts) and the
 * canvas (client/canvas/connection-rules.ts) both ask `FlowGraph.refusal`; each words the answer
 * for its reader (JSON paths and ids for a file, node names for the canvas).
 */

/** One edge of the graph, by node ids and port ids. */
export interface Connection {
  source: string;
  sourcePort: string;
  target: string;
  targetPort: string;
}

export type ConnectionRefusal =
  | { rule: 'self' }
  | { rule: 'into-trigger' }
  | { rule: 'duplicate' }
  /** `cycle` is the node ids around the loop, the first repeated at the end (a → b → a). */
  | { rule: 'loop'; cycle: string[] };

const linkKey = (c: Connection) => `${c.source}\u0000${c.sourcePort}\u0000${c.target}\u0000${c.targetPort}`;

/**
 * The edges accepted so far, kept as an adjacency map and a set of links so that checking one more
 * connection does not re-read the whole flow (the flow checks add a file's edges one by one).
 */
export class FlowGraph {
  private readonly next = new Map<string, string[]>();
  private readonly links = new Set<string>();

  constructor(edges: Iterable<Connection> = []) {
    for (const e of edges) this.add(e);
  }

  add(c: Connection): void {
    const list = this.next.get(c.source);
    if (list) list.push(c.target);
    else this.next.set(c.source, [c.target]);
    this.links.add(linkKey(c));
  }

  /**
   * Why `c` may not join the graph, or null when it may. `targetTakesInput` is false for a
   * trigger: records start there. Flows run forward only, so a connection back to an earlier node
   * is a loop.
   */
  refusal(c: Connection, targetTakesInput: boolean): ConnectionRefusal | null {
    if (c.source === c.target) return { rule: 'self' };
    if (!targetTakesInput) return { rule: 'into-trigger' };
    if (this.links.has(linkKey(c))) return { rule: 'duplicate' };
    const back = this.pathBetween(c.target, c.source);
    return back ? { rule: 'loop', cycle: [...back, c.target] } : null;
  }

  /** The node ids along the edges from `from` to `to` (both included, a shortest way), or null when `to` cannot be reached. */
  pathBetween(from: string, to: string): string[] | null {
    const prev = new Map<string, string>();
    const queue = [from];
    const seen = new Set([from]);
    // Breadth-first with a moving index instead of shift(): a long chain stays linear.
    for (let head = 0; head < queue.length; head++) {
      const n = queue[head];
      if (n === to) {
        const path = [to];
        for (let c = to; prev.has(c); ) {
          c = prev.get(c)!;
          path.unshift(c);
        }
        return path;
      }
      for (const m of this.next.get(n) ?? []) {
        if (seen.has(m)) continue;
        seen.add(m);
        prev.set(m, n);
        queue.push(m);
      }
    }
    return null;
  }
}
