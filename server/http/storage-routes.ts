import { Router } from 'express';
import { RUN_STATUSES } from '../contract/status.ts';
import { z } from 'zod';
import type { Retention } from '../retention/retention.ts';
import type { Store } from '../store/types.ts';
import { parseBody, parseQuery } from './parse.ts';


/** A query switch; anything else is named with the values it takes (a union of literals said only "invalid input"). */
const flag = z
  .enum(['1', '0', 'true', 'false'])
  .optional()
  .transform((v) => v === '1' || v === 'true');

const storageQuery = z
  .object({
    sort: z.enum(['size', 'age']).default('size'),
    offset: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(1000).default(50),
  })
  .strict();
const auditQuery = z
  .object({ runId: z.string().min(1).optional(), offset: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(1000).default(100) })
  .strict();
const deleteQuery = z.object({ archive: flag, force: flag }).strict();
const pruneBody = z
  .object({
    olderThanDays: z.number().min(0).max(36_500),
    status: z.union([z.enum(RUN_STATUSES), z.array(z.enum(RUN_STATUSES)).min(1)]).optional(),
    archive: z.boolean().optional(),
    dryRun: z.boolean().optional(),
    force: z.boolean().optional(),
  })
  .strict();

/**
 * Retention (docs/api.md, "Storage and retention"): sizes, deleting and archiving runs, pruning by
 * age, cleaning unused uploads, and the audit trail. Mounted at /api before the run routes.
 * Archives from the API always go to DATA_DIR/archive (a folder of the server's choosing only).
 */
export function storageRoutes(retention: Retention, store: Store): Router {
  const router = Router();

  router.get('/storage', async (req, res) => {
    const q = parseQuery(storageQuery, req.query);
    res.json({ ...(await retention.storage(q)), uploadGraceHours: retention.uploadGraceMs / 3600_000, archiveDir: retention.archiveDir });
  });

  router.post('/storage/clean-uploads', async (_req, res) => {
    res.json(await retention.cleanUploads({ actor: 'operator' }));
  });

  router.get('/audit', async (req, res) => {
    const q = parseQuery(auditQuery, req.query);
    res.json(await store.listAudit(q));
  });

  router.post('/runs/prune', async (req, res) => {
    const body = parseBody(pruneBody, req.body);
    const status = body.status === undefined ? undefined : Array.isArray(body.status) ? body.status : [body.status];
    res.json(await retention.prune({ olderThanDays: body.olderThanDays, status, archive: body.archive, dryRun: body.dryRun, force: body.force, actor: 'operator' }));
  });

  router.delete('/runs/:id', async (req, res) => {
    const q = parseQuery(deleteQuery, req.query);
    res.json(await retention.deleteRun(req.params.id, { actor: 'operator', archive: q.archive, force: q.force }));
  });

  return router;
}
