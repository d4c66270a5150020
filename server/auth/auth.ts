import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ConveyorError } from '../errors.ts';
import { hasCsrfToken, isForeignOrigin, isStateChanging } from './csrf.ts';
import { AccountLoginLimiter, LoginRateLimiter } from './rate-limit.ts';
import { SessionStore, sessionIdOf, type Session } from './sessions.ts';
import { hostForbiddenError, isLoopbackHost, sentToLoopbackName } from './host-check.ts';

export { isLoopbackHost };

/** Whether the request comes from this machine itself, not forwarded by a proxy on it. */
export function isLocalRequest(req: IncomingMessage): boolean {
  const forwarded = req.headers['x-forwarded-for'] ?? req.headers.forwarded ?? req.headers['x-real-ip'];
  return !forwarded && isLoopbackHost(req.socket.remoteAddress ?? '');
}

export const authRequiredError = () =>
  new ConveyorError('E_AUTH_REQUIRED', 'Sign in to use the studio.', 'Open the studio in the browser and sign in with the admin password (POST /api/auth/login for scripts).', 401);

/** A change to an existing credential (PUT, PATCH, DELETE /api/credentials/:id). */
function isCredentialChange(req: Request): boolean {
  if (/^\/credentials\/[^/]+\/?$/.test(req.path) && ['PUT', 'PATCH', 'DELETE'].includes(req.method.toUpperCase())) return true;
  // A connection test sends a stored secret to a server: only from the studio's page too.
  return /^\/credentials\/(test|[^/]+\/test)\/?$/.test(req.path) && req.method.toUpperCase() === 'POST';
}

/** A browser request from the studio's own page: `Sec-Fetch-Site: same-origin`, or an `Origin` that is the studio's. */
function isSameOriginBrowser(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin';
  return req.headers.origin !== undefined && !isForeignOrigin(req);
}

/** Paths under /api that answer without a session. */
const PUBLIC = (path: string) => path === '/health' || path === '/auth' || path.startsWith('/auth/');

/**
 * The studio's login state: the admin password hash (none = login off), the sessions, the login
 * rate limit. Login is on exactly when a password hash is configured.
 */
export class Auth {
  readonly sessions = new SessionStore();
  readonly limiter: LoginRateLimiter;
  /** Failed sign-ins on the account from any address: a growing delay after the first few. */
  readonly accountLimiter: AccountLoginLimiter;
  readonly dataDir: string;
  private hash: string | null;

  constructor(opts: { passwordHash?: string | null; dataDir: string; loginLimit?: { max?: number; windowMs?: number; account?: { free?: number; baseDelayMs?: number; maxDelayMs?: number } } }) {
    this.hash = opts.passwordHash ?? null;
    this.dataDir = opts.dataDir;
    this.limiter = new LoginRateLimiter(opts.loginLimit);
    this.accountLimiter = new AccountLoginLimiter(opts.loginLimit?.account);
  }

  get required(): boolean {
    return this.hash !== null;
  }

  get passwordHash(): string | null {
    return this.hash;
  }

  /** A password was just set (first-run setup): login is on from now, every older session ends. */
  setPasswordHash(hash: string): void {
    this.hash = hash;
    this.sessions.clear();
  }

  /** The request's live session, or null (`touch`: the request counts as activity). */
  session(req: IncomingMessage, touch = true): Session | null {
    return this.sessions.get(sessionIdOf(req), touch);
  }

  /**
   * Whether a request (or a Socket.IO handshake) may go on: login off and sent to a loopback name (host-check.ts), or a live session. Socket
   * checks pass `touch: false`, so an open socket alone does not keep a session from expiring.
   */
  allows(req: IncomingMessage, touch = true): boolean {
    return this.required ? this.session(req, touch) !== null : sentToLoopbackName(req);
  }

  /** Login on, or the request was sent to a loopback name (DNS rebinding, host-check.ts). */
  hostAllowed(req: IncomingMessage): boolean {
    return this.required || sentToLoopbackName(req);
  }

  /**
   * Guards /api: a state-changing request from another site's page is refused (always, also with
   * login off); with login on, every route but /api/health and /api/auth/* needs a session, and a
   * state-changing one the session's CSRF token.
   */
  guard(): RequestHandler {
    return (req: Request, _res: Response, next: NextFunction) => {
      // Login off: only requests sent to a loopback name (DNS rebinding, host-check.ts).
      if (!this.hostAllowed(req)) return next(hostForbiddenError(req));
      if (isStateChanging(req.method) && isForeignOrigin(req)) {
        return next(new ConveyorError('E_ORIGIN_FORBIDDEN', 'A page of another site tried to change something in the studio; the request was refused.', 'Use the studio from its own address. Behind a reverse proxy, pass the original Host header (nginx: proxy_set_header Host $host).', 403));
      }
      // A credential's server and scope are changed only from the studio's own pages: with login
      // off too, a change must come from a same-origin browser request (a flow's HTTP step or a
      // script without Origin is refused; with login on the CSRF token below proves the same).
      if (!this.required && isCredentialChange(req) && !isSameOriginBrowser(req)) {
        return next(
          new ConveyorError(
            'E_ORIGIN_REQUIRED',
            'Credentials can only be changed or deleted from the studio itself; this request did not come from the studio\'s page, so it was refused.',
            'Edit the credential on the Credentials page of the studio. A script must send the studio\'s own address in the Origin header (e.g. Origin: http://127.0.0.1:3000).',
            403,
          ),
        );
      }
      if (!this.required || PUBLIC(req.path)) return next();
      const session = this.session(req);
      if (!session) return next(authRequiredError());
      if (isStateChanging(req.method) && !hasCsrfToken(req, session.csrfToken)) {
        return next(new ConveyorError('E_CSRF', 'The request has no valid CSRF token, so it was refused.', 'Send the csrfToken of GET /api/auth/status in the X-CSRF-Token header; reload the page if the studio shows this.', 403));
      }
      next();
    };
  }
}
