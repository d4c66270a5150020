import { Router } from 'express';
import { z } from 'zod';
import type { FlowLibrary } from '../flow/flow-library.ts';
import type { NodeRegistry } from '../../nodes/registry.ts';
import type { Store } from '../store/types.ts';
import { ConveyorError } from '../errors.ts';
import { parseQuery } from './parse.ts';
import { runOrThrow } from './run-routes.ts';

const ID = /^[A-Za-z0-9_.:-]{1,200}$/;
const pathParams = z.object({
  id: z.string().regex(ID, 'not a valid flow id'),
  nodeId: z.string().regex(ID, 'not a valid node id'),
});
const query = z.object({
  runId: z.string().regex(ID, 'not a valid run id').optional(),
  prefix: z.string().max(1024).optional(),
});

/**
 * A node's persisted state (Distribute's counters, Remove duplicates' keys): see it, reset it.
 * Without `runId` the flow-scoped state; with it, that run's own state.
 */
export function nodeStateRoutes(flows: FlowLibrary, registry: NodeRegistry, store: Store): Router {
  const router = Router();

  async function locate(params: unknown, rawQuery: unknown) {
    const p = pathParams.safeParse(params);
    if (!p.success) {
      throw new ConveyorError('E_FLOW_NOT_FOUND', `There is no flow "${String((params as { id?: unknown }).id)}".`, 'It may have been deleted: open the flow list to see the flows that exist.', 404);
    }
    const q = parseQuery(query, rawQuery);
    const { flow } = await flows.get(p.data.id);
    const node = flow.nodes.find((n) => n.id === p.data.nodeId);
    if (!node) {
      throw new ConveyorError('E_NODE_NOT_FOUND', `The flow "${flow.name}" has no step with the id "${p.data.nodeId}".`, 'Check the step id (select the step on the canvas to see it); the flow may have changed.', 404);
    }
    const def = registry.get(node.type);
    let declared: 'flow' | 'run' | null = null;
    if (def?.state) {
      const parsed = def.params.safeParse(node.params ?? {});
      declared = typeof def.state === 'function' ? (parsed.success ? def.state(parsed.data) : null) : def.state;
    }
    // A run that does not exist, or is another flow's, has no state here: said so, not answered empty.
    if (q.runId && (await runOrThrow(store, q.runId)).flowId !== flow.id) {
      throw new ConveyorError('E_RUN_NOT_FOUND', `Run ${q.runId} is not a run of the flow "${flow.name}".`, 'Pick one of this flow\'s runs (the runs list shows them), or leave runId out for the flow\'s own state.', 404);
    }
    const scope = q.runId ? `run:${q.runId}` : `flow:${flow.id}`;
    return { flow, node, declared, scope, prefix: q.prefix ?? '' };
  }

  router.get('/flows/:id/nodes/:nodeId/state', async (req, res) => {
    const { flow, node, declared, scope, prefix } = await locate(req.params, req.query);
    const entries = await store.listNodeState(scope, node.id, prefix);
    res.json({ flowId: flow.id, nodeId: node.id, nodeType: node.type, declaredScope: declared, scope, entries });
  });

  router.delete('/flows/:id/nodes/:nodeId/state', async (req, res) => {
    const { flow, node, scope } = await locate(req.params, req.query);
    const busy = (await store.listRunsWithStatus(['running', 'pausing', 'stopping'])).find((r) => r.flowId === flow.id);
    if (busy) {
      throw new ConveyorError('E_RUN_BUSY', `Run ${busy.id} of the flow "${flow.name}" is ${busy.status}: its steps may be using this state.`, 'Wait for the run to finish, or pause or stop it, then reset the state.', 409);
    }
    const before = await store.listNodeState(scope, node.id);
    await store.clearNodeState(scope, node.id);
    res.json({ flowId: flow.id, nodeId: node.id, scope, cleared: before.length });
  });

  return router;
}
