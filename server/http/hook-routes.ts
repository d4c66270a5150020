import express, { type Request } from 'express';
import { ConveyorError } from '../errors.ts';
import { BASIC_CHALLENGE } from '../../nodes/webhook/request-check.ts';
import type { HookReceiver } from '../hooks/hook-receiver.ts';
import { errorHandler } from './error-handler.ts';

/**
 * POST /hooks/:flowId/:name — public (no session, no CSRF token: a sending service has neither); the
 * signature is what authenticates it. A GET is only Meta's subscription check (`hub.mode`). Mounted outside /api and before any body parser: the raw
 * bytes are read here, up to the hook's own limit, because the signature covers them exactly.
 */
export function hookRoutes(receiver: HookReceiver, opts: { publicUrl?: string | null } = {}): express.Router {
  const router = express.Router();
  router.all('/:flowId/:name', async (req, res, next) => {
    try {
      if (req.method === 'GET' && typeof req.query['hub.mode'] === 'string') {
        // Meta's subscription check: answered with its challenge as plain text (hook-receiver.ts).
        const target = await receiver.find(String(req.params.flowId), String(req.params.name));
        const challenge = receiver.verifySubscription(target, req.query as Record<string, unknown>, req.ip ?? 'unknown');
        res.setHeader('Cache-Control', 'no-store');
        res.setHeader('X-Content-Type-Options', 'nosniff');
        res.status(200).type('text/plain').send(challenge);
        return;
      }
      if (req.method !== 'POST' && req.method !== 'PUT') {
        res.setHeader('Allow', 'POST, PUT');
        throw new ConveyorError('E_HOOK_METHOD', `A hook takes POST (or PUT) requests, not ${req.method}.`, 'Send the event with POST and its body, signed (docs/api.md, "Hooks").', 405);
      }
      const target = await receiver.find(String(req.params.flowId), String(req.params.name));
      const body = await readBody(req, target.params.maxBodyKb * 1024);
      const answer = await receiver.accept(target, { body, headers: req.headers, query: req.query as Record<string, unknown>, ip: req.ip ?? 'unknown', urls: addressesOf(req, opts.publicUrl ?? null) });
      res.setHeader('Cache-Control', 'no-store');
      res.status(answer.status).json(answer.body);
    } catch (err) {
      if (err instanceof ConveyorError && err.status === 413) res.setHeader('Connection', 'close');
      // Senders that send a name and password only when asked (Twilio) read this to send them.
      if (err instanceof ConveyorError && (err.code === 'E_HOOK_AUTH_MISSING' || err.code === 'E_HOOK_AUTH_INVALID')) res.setHeader('WWW-Authenticate', BASIC_CHALLENGE);
      next(err);
    }
  });
  router.use((req, _res, next) => {
    next(new ConveyorError('E_HOOK_NOT_FOUND', `There is no active hook at ${req.baseUrl}${req.path}.`, 'A hook address is /hooks/<flow id>/<hook name>; it is shown in the Webhook trigger\'s settings.', 404));
  });
  router.use(errorHandler);
  return router;
}

/**
 * The addresses the request may have been sent to, for a check that signs the address (Twilio's):
 * CONVEYOR_PUBLIC_URL's, when set (and only those: the sender was given that address), else the
 * request's own host, with its scheme (behind a proxy the studio trusts, the forwarded one) first and
 * the other one after — a tunnel (ngrok) forwards https as http and keeps the host.
 */
function addressesOf(req: Request, publicUrl: string | null): string[] {
  if (publicUrl) return [...new Set([`${publicUrl}${req.originalUrl}`, `${new URL(publicUrl).origin}${req.originalUrl}`])];
  // Express 5's req.host keeps the port and, behind a trusted proxy, reads X-Forwarded-Host.
  const host = req.host || req.get('host');
  if (!host) return [];
  const other = req.protocol === 'https' ? 'http' : 'https';
  return [`${req.protocol}://${host}${req.originalUrl}`, `${other}://${host}${req.originalUrl}`];
}

/** The raw body, refused with 413 as soon as it passes `limit` bytes (announced or counted). */
function readBody(req: Request, limit: number): Promise<Buffer> {
  const tooLarge = () =>
    new ConveyorError(
      'E_HOOK_BODY_TOO_LARGE',
      `The request body is larger than this hook accepts (${Math.round(limit / 1024)} KB). Nothing was run.`,
      'Send a smaller event, or raise "Largest body (KB)" in the Webhook trigger.',
      413,
    );
  const announced = Number(req.headers['content-length']);
  if (Number.isFinite(announced) && announced > limit) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: Error | null) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      if (err) {
        req.resume(); // the rest is dropped; the answer closes the connection
        reject(err);
      } else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(tooLarge());
      else chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => finish(null));
    req.once('error', (err) => finish(new ConveyorError('E_REQUEST_INVALID', `The request could not be read: ${err.message}.`, 'Send it again.', 400)));
  });
}
