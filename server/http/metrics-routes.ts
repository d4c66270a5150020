import { createHash, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import type { Auth } from '../auth/auth.ts';
import type { Metrics } from '../monitoring/metrics.ts';

/** The scrape token's environment variable. */
export const METRICS_TOKEN_ENV = 'CONVEYOR_METRICS_TOKEN';

/**
 * GET /metrics in Prometheus text format. Allowed with `Authorization: Bearer <CONVEYOR_METRICS_TOKEN>`
 * (how scrapers authenticate), or to whoever the API allows (a signed-in session; anyone on this
 * computer while login is off). Anything else gets 401 with a coded error and no metrics.
 */
export function metricsRoutes(metrics: Metrics, auth: Auth, env: NodeJS.ProcessEnv = process.env): Router {
  const router = Router();
  router.get('/metrics', async (req, res) => {
    const token = env[METRICS_TOKEN_ENV] ?? '';
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim() ?? '';
    const tokenOk = token !== '' && bearer !== '' && sameSecret(bearer, token);
    // A wrong token is refused even while login is off: whoever sends one expects it to be checked.
    const allowed = tokenOk || (bearer === '' && auth.allows(req, false));
    res.setHeader('Cache-Control', 'no-store');
    if (!allowed) {
      res.status(401).setHeader('WWW-Authenticate', 'Bearer realm="conveyor-metrics"');
      res.json({
        error: {
          code: 'E_METRICS_UNAUTHORIZED',
          message: bearer ? 'The bearer token of this /metrics request is not the metrics token.' : 'Reading /metrics needs the metrics token or a signed-in session.',
          hint: `Send "Authorization: Bearer <token>" with the value of ${METRICS_TOKEN_ENV} set on the server (see docs/operations.md, "Metrics").`,
        },
      });
      return;
    }
    res.type('text/plain; version=0.0.4; charset=utf-8').send(await metrics.render());
  });
  return router;
}

/** Constant-time comparison of two secrets of any length (their digests are compared). */
function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
