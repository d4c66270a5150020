import { Router } from 'express';
import { z } from 'zod';
import type { NodeRegistry } from '../../nodes/registry.ts';
import { preflight } from '../engine/preflight.ts';
import type { FlowLibrary } from '../flow/flow-library.ts';
import type { Store } from '../store/types.ts';
import { parseBody } from './parse.ts';
import { runInputBody, toRunInput } from './upload-routes.ts';

/** Rejects sent back by one dry check; `rejectCount` tells how many there are in all. */
export const MAX_PREFLIGHT_REJECTS = 1000;

const preflightBody = z
  .object({
    input: runInputBody.optional(),
    /** The flow as it is in the editor (unsaved changes included); default: the saved flow. */
    flow: z.unknown().optional(),
    /** As the run would be started: with reprocess, keys done in earlier runs are not skipped. */
    reprocess: z.boolean().optional(),
  })
  .strict();

/**
 * `POST /api/flows/:id/preflight` — the dry check: flow problems, records that would run, records
 * that would be skipped (business key seen earlier in the file or in past runs, read from `store`)
 * and rejected rows, without starting or storing anything.
 */
export function preflightRoutes(flows: FlowLibrary, registry: NodeRegistry, dataDir: string, store?: Store): Router {
  const router = Router();

  router.post('/:id/preflight', async (req, res) => {
    const body = parseBody(preflightBody, req.body);
    const doc = body.flow !== undefined ? body.flow : (await flows.get(req.params.id)).flow;
    const input = await toRunInput(dataDir, body.input, store);
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    res.json(await preflight(doc, registry, input, { maxRejects: MAX_PREFLIGHT_REJECTS, signal: abort.signal, store, reprocess: body.reprocess }));
  });

  return router;
}
