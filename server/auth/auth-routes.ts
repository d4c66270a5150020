import { Router, type Request, type Response } from 'express';
import { ConveyorError } from '../errors.ts';
import { writeAdminPasswordHash } from './admin-password.ts';
import { isLocalRequest, type Auth } from './auth.ts';
import { hasCsrfToken } from './csrf.ts';
import { hashPassword, passwordProblem, verifyPassword } from './password.ts';
import { clientKey } from './rate-limit.ts';
import { clearedSessionCookie, sessionCookie, sessionIdOf } from './sessions.ts';

/** What GET /api/auth/status (and a login or setup) answers. */
export interface AuthStatus {
  /** Login is on: a password is configured. */
  required: boolean;
  /** The request has a live session. */
  authenticated: boolean;
  /** The session's token for the X-CSRF-Token header (only when authenticated). */
  csrfToken?: string;
  /** No password yet and the request comes from this machine: POST /api/auth/setup can set one. */
  setupNeeded: boolean;
}

function status(auth: Auth, req: Request): AuthStatus {
  const session = auth.session(req);
  return {
    required: auth.required,
    authenticated: Boolean(auth.required && session),
    ...(auth.required && session ? { csrfToken: session.csrfToken } : {}),
    setupNeeded: !auth.required && isLocalRequest(req),
  };
}

/** Starts a new session (a fresh id: any session the browser had before ends) and sets its cookie. */
function signIn(auth: Auth, req: Request, res: Response): AuthStatus {
  auth.sessions.destroy(sessionIdOf(req));
  const { id, session } = auth.sessions.create();
  res.setHeader('Set-Cookie', sessionCookie(id, req.secure));
  return { required: true, authenticated: true, csrfToken: session.csrfToken, setupNeeded: false };
}

const bodyPassword = (req: Request): unknown => (req.body && typeof req.body === 'object' ? (req.body as { password?: unknown }).password : undefined);

/** /api/auth: status, login, logout and the first-run password setup. */
export function authRoutes(auth: Auth): Router {
  const router = Router();

  router.get('/status', (req, res) => {
    res.json(status(auth, req));
  });

  router.post('/login', async (req, res) => {
    if (!auth.required) {
      throw new ConveyorError('E_AUTH_NOT_CONFIGURED', 'No admin password is set, so there is nothing to sign in to.', 'Set one with "npx conveyor set-password", or on the sign-in page of the studio opened on this computer.', 409);
    }
    const client = clientKey(req.ip);
    const slot = auth.limiter.attempt(client);
    if (!slot.ok) {
      res.setHeader('Retry-After', String(slot.retryAfterSeconds));
      throw new ConveyorError('E_LOGIN_RATE_LIMITED', `Too many sign-in attempts from this address: wait ${slot.retryAfterSeconds} s.`, `At most ${auth.limiter.max} attempts per ${Math.round(auth.limiter.windowMs / 1000)} s are allowed; try again after the wait.`, 429, { retryAfterSeconds: slot.retryAfterSeconds });
    }
    const account = auth.accountLimiter.attempt();
    if (!account.ok) {
      res.setHeader('Retry-After', String(account.retryAfterSeconds));
      throw new ConveyorError(
        'E_LOGIN_RATE_LIMITED',
        `Too many failed sign-ins on this account: wait ${account.retryAfterSeconds} s.`,
        `After ${auth.accountLimiter.free} failed attempts in a row (from any address) each new attempt waits twice as long as the one before, up to ${Math.round(auth.accountLimiter.maxDelayMs / 60_000)} minutes; a successful sign-in clears the count.`,
        429,
        { retryAfterSeconds: account.retryAfterSeconds },
      );
    }
    const password = bodyPassword(req);
    if (typeof password !== 'string' || !password) {
      throw new ConveyorError('E_BODY_INVALID', 'A sign-in needs { "password": "…" }.', 'Send the admin password as JSON.', 400);
    }
    if (!(await verifyPassword(password, auth.passwordHash ?? ''))) {
      throw new ConveyorError('E_LOGIN_FAILED', 'Wrong password.', 'Type the admin password again (it was set with "npx conveyor set-password" or on first start).', 401);
    }
    auth.limiter.reset(client);
    auth.accountLimiter.reset();
    res.json(signIn(auth, req, res));
  });

  router.post('/logout', (req, res) => {
    const id = sessionIdOf(req);
    const session = auth.sessions.get(id);
    if (session && !hasCsrfToken(req, session.csrfToken)) {
      throw new ConveyorError('E_CSRF', 'The sign-out has no valid CSRF token, so it was refused.', 'Sign out from the studio itself (it sends the token).', 403);
    }
    auth.sessions.destroy(id);
    res.setHeader('Set-Cookie', clearedSessionCookie(req.secure));
    res.status(204).end();
  });

  router.post('/setup', async (req, res) => {
    const notAllowed = (message: string, status: number) =>
      new ConveyorError('E_SETUP_NOT_ALLOWED', message, 'Change the password with "npx conveyor set-password" on the server, then restart the studio.', status);
    if (auth.required) throw notAllowed('An admin password is already set.', 409);
    if (!isLocalRequest(req)) throw notAllowed('The first password can only be set from the computer the studio runs on.', 403);
    const password = bodyPassword(req);
    const problem = passwordProblem(password);
    if (problem) throw new ConveyorError('E_PASSWORD_INVALID', problem, 'Choose a longer password (a passphrase of a few words is easy to remember).', 422);
    const hash = await hashPassword(password as string);
    if (auth.required) throw notAllowed('An admin password was set meanwhile.', 409);
    await writeAdminPasswordHash(auth.dataDir, hash);
    auth.setPasswordHash(hash);
    res.status(201).json(signIn(auth, req, res));
  });

  return router;
}
