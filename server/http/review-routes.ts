import { Router } from 'express';
import { z } from 'zod';
import type { Engine } from '../engine/engine.ts';
import type { Store } from '../store/types.ts';
import { parseBody, parseQuery } from './parse.ts';
import { REVIEW_ACTIONS, REVIEW_STATUSES } from '../contract/status.ts';
import { MAX_RECORD_DEPTH, tooDeepAt } from '../contract/json-depth.ts';
import { REVIEW_NOTE_MAX } from '../contract/wire/review.ts';

const listQuery = z.object({
  flowId: z.string().max(200).optional(),
  runId: z.string().max(200).optional(),
  code: z.string().max(200).optional(),
  nodeId: z.string().max(200).optional(),
  status: z.enum(REVIEW_STATUSES).optional(),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const actionBody = z
  .object({
    action: z.enum(REVIEW_ACTIONS),
    items: z.array(z.object({ runId: z.string().min(1).max(200), index: z.number().int().min(0) }).strict()).min(1).max(10_000),
    note: z.string().max(REVIEW_NOTE_MAX).optional(),
    // Nested thousands deep, a retry's data overflowed the stack where it was stored: the item's result was E_INTERNAL.
    data: z
      .record(z.string(), z.any())
      .refine((d) => tooDeepAt(d, MAX_RECORD_DEPTH) === null, { error: `nests values more than ${MAX_RECORD_DEPTH} levels deep: flatten the corrected fields` })
      .optional(),
    restart: z.boolean().optional(),
  })
  .strict();

/** The review queue: records a person must look at, and what they decide. */
export function reviewRoutes(engine: Engine, store: Store): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const q = parseQuery(listQuery, req.query);
    const page = await store.listReview({ flowId: q.flowId, runId: q.runId, code: q.code, nodeId: q.nodeId, statuses: q.status ? [q.status] : undefined, offset: q.offset, limit: q.limit });
    res.json({
      total: page.total,
      items: page.items.map((r) => ({ runId: r.runId, flowId: r.flowId, flowName: r.flowName, index: r.index, status: r.status, data: r.data, output: r.output, error: r.error, reason: r.reason, startedAt: r.startedAt, endedAt: r.endedAt })),
    });
  });

  router.post('/actions', async (req, res) => {
    const body = parseBody(actionBody, req.body);
    const results = await engine.review(body.action, body.items, { note: body.note, data: body.data, restart: body.restart });
    res.json({ results });
  });

  return router;
}
