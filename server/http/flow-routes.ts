import { Router } from 'express';
import { z } from 'zod';
import { flowName, type FlowLibrary } from '../flow/flow-library.ts';
import { serializeFlow } from '../contract/flow/serialize.ts';
import { validateFlow } from '../flow/validate.ts';
import type { NodeRegistry } from '../../nodes/registry.ts';
import { parseBody, parseQuery } from './parse.ts';

/** Read like every other query (parse.ts): `?onConflict=copy&onConflict=replace` is said to be given twice. */
const importQuery = z.object({ onConflict: z.enum(['copy', 'replace']).default('copy') });
/**
 * A new flow's or a rename's body: its name only (checked by the library: E_FLOW_NAME_INVALID).
 * Other fields were passed over in silence — `{ name, nodes }` answered 201 with an empty flow.
 */
const nameBody = z.object({ name: z.unknown() }).strict();

export function flowRoutes(flows: FlowLibrary, registry: NodeRegistry): Router {
  const router = Router();

  router.get('/', async (_req, res) => {
    res.json(await flows.list());
  });

  router.post('/', async (req, res) => {
    const { name } = parseBody(nameBody, req.body);
    res.status(201).json(await flows.create(flowName(name)));
  });

  router.post('/validate', (req, res) => {
    const result = validateFlow(req.body, registry);
    res.json(result.ok ? { ok: true } : { ok: false, problems: result.problems });
  });

  router.post('/import', async (req, res) => {
    const { onConflict } = parseQuery(importQuery, req.query);
    res.status(201).json(await flows.import(req.body, onConflict));
  });

  router.get('/:id', async (req, res) => {
    res.json(await flows.get(req.params.id));
  });

  router.put('/:id', async (req, res) => {
    res.json(await flows.save(req.params.id, req.body));
  });

  router.patch('/:id', async (req, res) => {
    res.json(await flows.rename(req.params.id, parseBody(nameBody, req.body).name));
  });

  router.delete('/:id', async (req, res) => {
    await flows.remove(req.params.id);
    res.status(204).end();
  });

  router.get('/:id/export', async (req, res) => {
    const flow = await flows.exported(req.params.id);
    const fileName = `${flow.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').toLowerCase() || 'flow'}.json`;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${fileName}"`);
    res.send(serializeFlow(flow));
  });

  return router;
}
