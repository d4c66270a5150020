import express, { Router, type ErrorRequestHandler } from 'express';
import { z } from 'zod';
import { ConveyorError, recordNotFound } from '../errors.ts';
import type { Store } from '../store/types.ts';
import type { TrackingService } from '../tracking/tracking-service.ts';
import { recordEvents, runTrackingCounts } from '../tracking/events.ts';
import { addressSchema } from '../tracking/suppression.ts';
import { invalidLinkPage, unsubscribeConfirmPage, unsubscribedPage } from '../tracking/pages.ts';
import { isWebAddress } from '../tracking/tokens.ts';
import { parseBody, parseQuery, recordIndexParam } from './parse.ts';
import { runOrThrow } from './run-routes.ts';
import { SUPPRESSION_NOTE_MAX } from '../contract/wire/tracking.ts';

/** A transparent 1×1 GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/**
 * The public tracking addresses mails link to (docs/api.md, "Tracking"), mounted at /t outside /api:
 * they need no session, as recipients have none, and they trust nothing but the token's signature.
 */
export function trackingRoutes(tracking: TrackingService): Router {
  const router = Router();

  // The open pixel. Mail programs load it from other sites' pages (webmail): allowed cross-origin.
  router.get('/o/:file', async (req, res) => {
    const token = req.params.file.replace(/\.gif$/, '');
    const payload = tracking.verify(token, 'o');
    await tracking.record(payload, { kind: 'open' });
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    res.setHeader('Cache-Control', 'no-store, private');
    res.type('image/gif').send(PIXEL);
  });

  // A tracked link: recorded, then on to the address signed into the token (never one from the request).
  router.get('/c/:token', async (req, res) => {
    const payload = tracking.verify(req.params.token, 'c');
    if (!isWebAddress(payload.u)) throw new ConveyorError('E_TRACKING_TOKEN_INVALID', 'This link does not lead to a web address.', 'Open the link exactly as it appears in the mail.', 400);
    await tracking.record(payload, { kind: 'click', link: payload.l, url: payload.u });
    res.setHeader('Cache-Control', 'no-store, private');
    res.redirect(302, payload.u);
  });

  // Unsubscribe: GET only asks (link scanners open links), POST does it — the page's button, or a
  // mail program's one-click unsubscribe (RFC 8058: List-Unsubscribe=One-Click in the body).
  router.get('/u/:token', (req, res) => {
    const payload = tracking.verify(req.params.token, 'u');
    res.setHeader('Cache-Control', 'no-store, private');
    res.type('html').send(unsubscribeConfirmPage(payload.a, req.originalUrl));
  });
  router.post('/u/:token', express.urlencoded({ extended: false, limit: '2kb' }), async (req, res) => {
    const payload = tracking.verify(req.params.token, 'u');
    for (const address of payload.a) {
      await tracking.suppression.add({ address, at: new Date().toISOString(), source: 'unsubscribe', runId: payload.r, recordIndex: payload.i });
    }
    await tracking.record(payload, { kind: 'unsubscribe' });
    res.setHeader('Cache-Control', 'no-store, private');
    res.type('html').send(unsubscribedPage(payload.a));
  });

  const pageError: ErrorRequestHandler = (err, _req, res, next) => {
    if (!(err instanceof ConveyorError) || err.status >= 500) return next(err);
    res.status(err.status).type('html').send(invalidLinkPage(err.code, err.message, err.hint));
  };
  router.use(pageError);
  return router;
}

const runParams = z.object({ id: z.string().min(1).max(200), index: recordIndexParam.optional() });
const listQuery = z.object({
  search: z.string().max(320).optional(),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const addBody = z.object({ address: addressSchema, note: z.string().trim().max(SUPPRESSION_NOTE_MAX).optional() }).strict();

/** Tracking data and the suppression list for the studio (under /api, so behind the session like the rest). */
export function trackingApiRoutes(tracking: TrackingService, store: Store): Router {
  const router = Router();

  router.get('/tracking/runs/:id', async (req, res) => {
    const p = parseQuery(runParams, req.params);
    await runOrThrow(store, p.id);
    res.json(await runTrackingCounts(store, p.id));
  });

  router.get('/tracking/runs/:id/records/:index', async (req, res) => {
    const p = parseQuery(runParams, req.params);
    await runOrThrow(store, p.id);
    const index = p.index ?? 0;
    // A record the run does not have has no events: said so, not answered as an empty list.
    if (!(await store.getRecord(p.id, index))) throw recordNotFound(p.id, index);
    res.json({ events: await recordEvents(store, p.id, index) });
  });

  router.get('/suppressions', async (req, res) => {
    res.json(await tracking.suppression.list(parseQuery(listQuery, req.query)));
  });

  router.post('/suppressions', async (req, res) => {
    const body = parseBody(addBody, req.body);
    const entry = await tracking.suppression.add({ address: body.address, at: new Date().toISOString(), source: 'operator', ...(body.note ? { note: body.note } : {}) });
    res.status(201).json(entry);
  });

  router.delete('/suppressions/:address', async (req, res) => {
    const address = parseQuery(z.object({ address: addressSchema }), req.params).address;
    await tracking.suppression.remove(address);
    res.status(204).end();
  });

  return router;
}
