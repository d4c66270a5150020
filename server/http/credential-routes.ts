import { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import { ConveyorError } from '../errors.ts';
import type { Vault } from '../vault/vault.ts';

/**
 * A body that is not JSON: the parser's message quotes the start of the body, which here may be a
 * secret, so the answer says only that it is not JSON.
 */
const notJson: ErrorRequestHandler = (err, _req, _res, next) => {
  if ((err as { type?: string })?.type === 'entity.parse.failed') {
    next(new ConveyorError('E_BODY_INVALID', 'The request body is not valid JSON.', 'Send a JSON body with Content-Type: application/json (see docs/api.md, "Credentials").', 400));
  } else next(err);
};

/**
 * Credentials (docs/api.md, "Credentials"); mounted at /api/credentials. No answer ever holds a
 * secret value: a secret field is reported as `{ set: true }`, and can be replaced but not read.
 * Returns the routes and, first, the handler that rewords a JSON parse error (an error handler
 * inside a router would never see the errors of the app's JSON parser).
 */
export function credentialRoutes(vault: Vault): [ErrorRequestHandler, RequestHandler] {
  return [notJson, routes(vault)];
}

function routes(vault: Vault): Router {
  const router = Router();

  router.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });

  router.get('/', (_req, res) => {
    res.json(vault.list());
  });

  router.get('/kinds', (_req, res) => {
    res.json(vault.kinds());
  });

  router.get('/:id', (req, res) => {
    res.json(vault.get(req.params.id));
  });

  router.post('/', async (req, res) => {
    res.status(201).json(await vault.create(req.body));
  });

  router.put('/:id', async (req, res) => {
    res.json(await vault.update(req.params.id, req.body));
  });

  router.delete('/:id', async (req, res) => {
    await vault.remove(req.params.id);
    res.status(204).end();
  });

  return router;
}
