import { Router } from 'express';
import type { NodeRegistry } from '../../nodes/registry.ts';
import { VERSION } from '../version.ts';

export function catalogRoutes(registry: NodeRegistry): Router {
  const router = Router();
  const catalog = registry.catalog();
  router.get('/health', (_req, res) => {
    res.json({ ok: true, version: VERSION, store: 'sqljs' });
  });
  router.get('/node-types', (_req, res) => {
    res.json(catalog);
  });
  return router;
}
