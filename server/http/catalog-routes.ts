import { Router } from 'express';
import type { NodeRegistry } from '../../nodes/registry.ts';
import { VERSION } from '../version.ts';
import type { StoreWriteFailure } from '../store/write-failure.ts';

/** `storeFailure`: why the store cannot write now (a full disk), or null: health answers 503 then. */
export function catalogRoutes(registry: NodeRegistry, storeFailure: () => StoreWriteFailure | null = () => null): Router {
  const router = Router();
  // Described on the first request, not at start: checking the defaults (a CSS selector) loads
  // cheerio, which /api/health and a start-up do not need. Built once: the registry is fixed.
  let catalog: ReturnType<NodeRegistry['catalog']> | null = null;
  router.get('/health', (_req, res) => {
    const failure = storeFailure();
    if (failure) {
      const { code, message, hint, osCode, since } = failure;
      res.status(503).json({ ok: false, version: VERSION, store: 'sqljs', error: { code, message, hint, osCode, since } });
      return;
    }
    res.json({ ok: true, version: VERSION, store: 'sqljs' });
  });
  router.get('/node-types', (_req, res) => {
    res.json((catalog ??= registry.catalog()));
  });
  return router;
}
