import express from 'express';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../project-root.ts';
import type { Conveyor } from '../conveyor.ts';
import { catalogRoutes } from './catalog-routes.ts';
import { flowRoutes } from './flow-routes.ts';
import { runRoutes } from './run-routes.ts';
import { reportRoutes } from './report-routes.ts';
import { reviewRoutes } from './review-routes.ts';
import { evidenceRoutes } from './evidence-routes.ts';
import { keptFileRoutes } from './kept-file-routes.ts';
import { uploadRoutes } from './upload-routes.ts';
import { preflightRoutes } from './preflight-routes.ts';
import { errorHandler, notFoundApi } from './error-handler.ts';
import { credentialRoutes } from './credential-routes.ts';
import { scheduleRoutes } from './schedule-routes.ts';
import { nodeStateRoutes } from './node-state-routes.ts';
import { storageRoutes } from './storage-routes.ts';
import { templateRoutes } from './template-routes.ts';
import { monitoringRoutes } from './monitoring-routes.ts';
import { metricsRoutes } from './metrics-routes.ts';
import { trackingApiRoutes, trackingRoutes } from './tracking-routes.ts';
import { hookRoutes } from './hook-routes.ts';
import { publicUrlFromEnv } from '../tracking/public-url.ts';
import { HookReceiver } from '../hooks/hook-receiver.ts';
import { flowAllowHostsFor } from '../vault/credential-test.ts';
import { Auth } from '../auth/auth.ts';
import { authRoutes } from '../auth/auth-routes.ts';
import { noStore, securityHeaders } from '../auth/security-headers.ts';
import { jsonBody } from './json-body.ts';

export interface AppOptions {
  /** Login state (SPEC §7); without it, login is off (loopback only, see server/main.ts). */
  auth?: Auth;
  /** Trust X-Forwarded-For/-Proto from a reverse proxy on this machine (CONVEYOR_TRUST_PROXY=1). */
  trustProxy?: boolean;
  /** Where the shipped flows offered as templates are (default: the repository's flows/). */
  templatesDir?: string;
}

/**
 * The Express app: REST under /api, the built studio everywhere else. Security headers on every
 * answer; no CORS headers ever (the studio and its API share one origin). With login on, /api
 * needs a session (and a CSRF token to change anything) except /api/health and /api/auth/*.
 */
export function createApp(c: Conveyor, clientDir: string, opts: AppOptions = {}): express.Express {
  const auth = opts.auth ?? new Auth({ dataDir: c.dataDir });
  const app = express();
  app.disable('x-powered-by');
  if (opts.trustProxy) app.set('trust proxy', 'loopback');
  app.use(securityHeaders());
  // Public: a sending service has no session; the hook's signature authenticates it (docs/security.md).
  const hooks = new HookReceiver({ store: c.store, engine: c.engine, vault: c.vault, log: (line) => console.warn(line) });
  app.use('/hooks', hookRoutes(hooks, { publicUrl: publicUrlFromEnv() }));
  // Requests answered before a crash or a shutdown are processed now, without waiting for someone to press Resume.
  void hooks.resumeWaiting().catch((err) => console.warn(`[hooks] could not resume the runs of earlier requests: ${(err as Error).message}`));
  app.use('/api', noStore);
  app.use('/api', auth.guard()); // before any body is read: without a session nothing is parsed or stored
  app.use('/api/auth', ...jsonBody('16kb'), authRoutes(auth));
  app.use('/api/uploads', uploadRoutes(c.dataDir, c.store)); // streams the raw file: before the JSON parser
  app.use('/api/kept-files', keptFileRoutes(c.store)); // the raw file too
  app.use('/api', ...jsonBody('20mb'));
  app.use('/api', catalogRoutes(c.registry, () => c.engine.storeWriteFailure()));
  app.use('/api/flows', preflightRoutes(c.flows, c.registry, c.dataDir, c.store));
  app.use('/api/flows', flowRoutes(c.flows, c.registry));
  app.use('/api', storageRoutes(c.retention, c.store)); // DELETE /api/runs/:id, POST /api/runs/prune: before the run routes
  app.use('/api/runs', reportRoutes(c.store));
  app.use('/api/runs', runRoutes(c.engine, c.flows, c.store, c.dataDir));
  app.use('/api/review', reviewRoutes(c.engine, c.store));
  app.use('/api/evidence', evidenceRoutes(c.dataDir, c.store));
  app.use('/api/credentials', credentialRoutes(c.vault, { allowHostsFor: (name) => flowAllowHostsFor(c.store, c.registry, name) }));
  app.use('/api/templates', templateRoutes(opts.templatesDir ?? path.join(PROJECT_ROOT, 'flows'), c.registry, c.flows, c.vault));
  app.use('/api', scheduleRoutes(c.scheduler));
  app.use('/api', nodeStateRoutes(c.flows, c.registry, c.store));
  app.use('/api', monitoringRoutes(c.monitoring, c.store, c.vault, c.engine));
  app.use('/api', trackingApiRoutes(c.tracking, c.store));
  app.use('/api', notFoundApi(app));
  app.use('/api', errorHandler);
  // Tracked mail's links (open pixel, redirects, unsubscribe): public, recipients have no session.
  app.use('/t', trackingRoutes(c.tracking));

  // Prometheus scrapes: a bearer token (CONVEYOR_METRICS_TOKEN) or a session (metrics-routes.ts).
  app.use(metricsRoutes(c.monitoring.metrics, auth));

  const index = path.join(clientDir, 'index.html');
  if (existsSync(index)) {
    app.use(express.static(clientDir, { index: false, maxAge: '1h' }));
    app.get('/{*path}', (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache');
      // Relative to its folder: sendFile refuses an absolute path with a hidden folder in it (dotfiles),
      // and a studio installed under one (~/.local/share/…, ~/.apps/conveyor) answered every page 404.
      res.sendFile('index.html', { root: clientDir });
    });
  } else {
    app.get('/{*path}', (_req, res) => {
      res.status(503).type('text/plain').send('The studio is not built yet. Run "npm run build" (or "npm start", which builds first), then reload.');
    });
  }
  app.use(errorHandler);
  return app;
}
