import express from 'express';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Conveyor } from '../conveyor.ts';
import { catalogRoutes } from './catalog-routes.ts';
import { flowRoutes } from './flow-routes.ts';
import { runRoutes } from './run-routes.ts';
import { reportRoutes } from './report-routes.ts';
import { reviewRoutes } from './review-routes.ts';
import { evidenceRoutes } from './evidence-routes.ts';
import { uploadRoutes } from './upload-routes.ts';
import { preflightRoutes } from './preflight-routes.ts';
import { errorHandler, notFoundApi } from './error-handler.ts';

/** The Express app: REST under /api, the built studio everywhere else. */
export function createApp(c: Conveyor, clientDir: string): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use('/api/uploads', uploadRoutes(c.dataDir)); // streams the raw file: before the JSON parser
  app.use('/api', express.json({ limit: '20mb' }));
  app.use('/api', catalogRoutes(c.registry));
  app.use('/api/flows', preflightRoutes(c.flows, c.registry, c.dataDir));
  app.use('/api/flows', flowRoutes(c.flows, c.registry));
  app.use('/api/runs', reportRoutes(c.store));
  app.use('/api/runs', runRoutes(c.engine, c.flows, c.store, c.dataDir));
  app.use('/api/review', reviewRoutes(c.engine, c.store));
  app.use('/api/evidence', evidenceRoutes(c.dataDir));
  app.use('/api', notFoundApi);
  app.use('/api', errorHandler);

  const index = path.join(clientDir, 'index.html');
  if (existsSync(index)) {
    app.use(express.static(clientDir, { index: false, maxAge: '1h' }));
    app.get('/{*path}', (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(index);
    });
  } else {
    app.get('/{*path}', (_req, res) => {
      res.status(503).type('text/plain').send('The studio is not built yet. Run "npm run build" (or "npm start", which builds first), then reload.');
    });
  }
  app.use(errorHandler);
  return app;
}
