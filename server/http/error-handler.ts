import type { ErrorRequestHandler, Express, RequestHandler } from 'express';
import { match } from 'path-to-regexp';
import { ConveyorError } from '../errors.ts';
import { jsonErrorWhere } from '../contract/json-where.ts';

/** Every error leaves as `{ error: { code, message, hint } }`; no stack trace reaches a client. */
export const errorHandler: ErrorRequestHandler = (err, _req, res, _next) => {
  const e = toConveyorError(err);
  if (e.status >= 500) console.error(`[conveyor] ${e.code}:`, err);
  res.status(e.status).json({ error: { code: e.code, message: e.message, hint: e.hint, ...(e.details ?? {}) } });
};

/**
 * Mounted at /api after every API route: the route is named in full, as it was asked (`req.path`
 * alone drops /api). An address that exists but not for this method (`PUT /api/flows/x`, `GET
 * /api/runs/x/pause`) is 405 with `Allow` listing the methods it takes — a 404 said the route did not
 * exist, and a client author looked for a wrong address. The routes are read from Express itself
 * (`listRoutes`) once, at the first request that matches none.
 */
export function notFoundApi(app: Express): RequestHandler {
  let routes: Array<{ matches: (path: string) => boolean; methods: string[] }> | null = null;
  return (req, res, next) => {
    routes ??= apiRoutes(app);
    const asked = `${req.baseUrl}${req.path}`;
    const allowed = new Set<string>();
    for (const r of routes) if (r.matches(asked)) for (const m of r.methods) allowed.add(m);
    if (allowed.size > 0 && !allowed.has(req.method)) {
      const methods = [...allowed].sort();
      res.setHeader('Allow', methods.join(', '));
      return next(new ConveyorError('E_API_METHOD', `The API route ${asked} does not take ${req.method}; it takes ${methods.join(', ')}.`, 'See docs/api.md for what each route takes.', 405));
    }
    next(new ConveyorError('E_API_NOT_FOUND', `There is no API route ${req.method} ${asked}.`, 'See docs/api.md for the routes that exist.', 404));
  };
}

interface Listing {
  listRoutes(): Array<{ path: unknown; methods?: string[]; router?: unknown }>;
}

/** Every route of the app with its full path and methods, from Express itself (`*`: `router.all`). */
export function expressRoutes(app: Express): Array<{ path: string; methods: string[] }> {
  const out: Array<{ path: string; methods: string[] }> = [];
  const walk = (router: Listing, prefix: string): void => {
    for (const r of router.listRoutes()) {
      if (typeof r.path !== 'string') continue;
      const full = prefix + (r.path === '/' ? '' : r.path);
      if (r.router) walk(r.router as Listing, full);
      else out.push({ path: full, methods: r.methods ?? [] });
    }
  };
  walk((app as unknown as { router: Listing }).router, '');
  return out;
}

/** Every /api route's path matcher and methods (HEAD with GET, as Express answers it). */
function apiRoutes(app: Express): Array<{ matches: (path: string) => boolean; methods: string[] }> {
  return expressRoutes(app)
    .filter((r) => r.path.startsWith('/api/') && r.methods.length > 0 && !r.methods.includes('*'))
    .map((r) => {
      const matcher = match(r.path, { decode: false, end: true });
      return { matches: (p: string) => matcher(p) !== false || matcher(p.replace(/\/+$/, '')) !== false, methods: r.methods };
    });
}

function toConveyorError(err: unknown): ConveyorError {
  if (err instanceof ConveyorError) return err;
  const e = err as { type?: string; status?: number; message?: string; body?: unknown; limit?: unknown };
  if (e?.type === 'entity.too.large') {
    // Each address has its own limit (a sign-in 16 KB, an unsubscribe 2 KB): "at most 20 MB" was said to all.
    const most = typeof e.limit === 'number' ? sizeText(e.limit) : 'the limit';
    return new ConveyorError('E_BODY_TOO_LARGE', `The request body is larger than this address takes (${most}).`, `Send at most ${most} in one request (split a large input into several runs).`, 413);
  }
  if (e?.type === 'entity.parse.failed') {
    // Valid JSON that is no object (null, "text", 7) fails the parser's strict mode, which calls it
    // "not valid JSON"; every route takes an object.
    if (typeof e.body === 'string' && !/^\s*[{[]/.test(e.body)) {
      return new ConveyorError('E_BODY_INVALID', 'The request body must be a JSON object ({ … }).', 'Send a JSON object with Content-Type: application/json (see docs/api.md).', 400);
    }
    return new ConveyorError('E_BODY_INVALID', `The request body is not valid JSON${jsonErrorWhere(e.message, e.body)}.`, 'Send a JSON body with Content-Type: application/json.', 400);
  }
  if (e?.type === 'charset.unsupported' || e?.type === 'encoding.unsupported') {
    return new ConveyorError('E_BODY_INVALID', 'The request body has a character set or content encoding Conveyor does not read.', 'Send the body as UTF-8, uncompressed or gzip/deflate/br.', 415);
  }
  // Anything else a request itself got wrong (http-errors with a 4xx status: a body that does not
  // decompress, a URL with broken %-escapes, an aborted upload…) is the client's, never a 500.
  const status = Number(e?.status ?? (err as { statusCode?: number })?.statusCode);
  if (Number.isInteger(status) && status >= 400 && status < 500) {
    return new ConveyorError('E_REQUEST_INVALID', `The request is malformed (HTTP ${status}).`, 'Check the URL, the headers and the body encoding of the request.', status);
  }
  return new ConveyorError('E_INTERNAL', 'Something went wrong inside Conveyor.', 'Try again; if it keeps happening, check the server log and report it.', 500);
}

/** A byte count as a person reads a limit: 2 KB, 16 KB, 20 MB. */
function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)} MB` : bytes >= 1024 ? `${Math.round(bytes / 1024)} KB` : `${bytes} bytes`;
}
