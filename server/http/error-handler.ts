import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ConveyorError } from '../errors.ts';

/** Every error leaves as `{ error: { code, message, hint } }`; no stack trace reaches a client. */
export const errorHandler: ErrorRequestHandler = (err, _req, res, _next) => {
  const e = toConveyorError(err);
  if (e.status >= 500) console.error(`[conveyor] ${e.code}:`, err);
  res.status(e.status).json({ error: { code: e.code, message: e.message, hint: e.hint, ...(e.details ?? {}) } });
};

/** Mounted at /api: the route is named in full, as it was asked (`req.path` alone drops /api). */
export const notFoundApi: RequestHandler = (req, _res, next) => {
  next(new ConveyorError('E_API_NOT_FOUND', `There is no API route ${req.method} ${req.baseUrl}${req.path}.`, 'See docs/api.md for the routes that exist.', 404));
};

function toConveyorError(err: unknown): ConveyorError {
  if (err instanceof ConveyorError) return err;
  const e = err as { type?: string; status?: number; message?: string; body?: unknown };
  if (e?.type === 'entity.too.large') {
    return new ConveyorError('E_BODY_TOO_LARGE', 'The request body is too large.', 'Send less data at once (at most 20 MB), or split the input into several runs.', 413);
  }
  if (e?.type === 'entity.parse.failed') {
    // Valid JSON that is no object (null, "text", 7) fails the parser's strict mode, which calls it
    // "not valid JSON"; every route takes an object.
    if (typeof e.body === 'string' && !/^\s*[{[]/.test(e.body)) {
      return new ConveyorError('E_BODY_INVALID', 'The request body must be a JSON object ({ … }).', 'Send a JSON object with Content-Type: application/json (see docs/api.md).', 400);
    }
    return new ConveyorError('E_BODY_INVALID', `The request body is not valid JSON: ${e.message}.`, 'Send a JSON body with Content-Type: application/json.', 400);
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
