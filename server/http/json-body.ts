import express, { type Request, type RequestHandler } from 'express';
import { mayHoldLongIntegers, parseJsonExact } from '../contract/json-exact.ts';
import { ConveyorError } from '../errors.ts';

/** The raw body a request's JSON was parsed from, kept only until `exactNumbers` looked at it. */
const RAW = Symbol('raw JSON body');
type WithRaw = { [RAW]?: Buffer };

/**
 * The API's JSON body parser: express.json (its limits, charsets, strictness and errors), then —
 * only when the body holds a run of 16 digits — parsed again keeping integers too long for a number
 * as text, digit for digit (json-exact.ts): records sent to `POST /api/runs` with a 19-digit order
 * number kept it, where JSON.parse rounded it (1234567890123456789 → 1234567890123456800).
 */
export function jsonBody(limit: string): RequestHandler[] {
  const parse = express.json({
    limit,
    verify: (req, _res, buf) => {
      (req as WithRaw)[RAW] = buf;
    },
  });
  const exactNumbers: RequestHandler = (req, _res, next) => {
    const raw = (req as WithRaw)[RAW];
    delete (req as WithRaw)[RAW];
    const charset = /charset\s*=\s*"?([\w-]+)/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase() ?? 'utf-8';
    // Read as body-parser read it: UTF-8 (the other charsets it takes are rare; those keep its parse).
    if (raw && (charset === 'utf-8' || charset === 'utf8') && mayHoldLongIntegers(raw)) {
      req.body = parseJsonExact(raw.toString('utf8')).value;
    }
    next();
  };
  const jsonOnly: RequestHandler = (req, _res, next) => {
    if (req.body !== undefined || !hasBody(req)) return next();
    req.resume(); // the unread body is dropped
    const type = String(req.headers['content-type'] ?? 'no content type').slice(0, 100);
    next(new ConveyorError('E_BODY_INVALID', `The request body was sent as "${type}"; Conveyor reads JSON only.`, 'Send the body as JSON with Content-Type: application/json (see docs/api.md).', 415));
  };
  return [parse, exactNumbers, jsonOnly];
}

/** The request has a body (as body-parser tells it: chunked, or a length other than 0). */
function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
}
