import type { Json, RecordData } from '../sdk/types.ts';

/** The field of a hook record that holds the event id: the run's business key (replays are skipped by it). */
export const EVENT_ID_FIELD = 'eventId';

/**
 * Request headers never copied into the record: what signs the request or signs someone in. The
 * signature itself is not a secret, but it is of no use to the flow and only invites leaks.
 */
const DROPPED_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

export interface HookRequestData {
  name: string;
  body: Json;
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, unknown>;
  eventIdPath: string;
  receivedAt: Date;
  /** The header that carried the signature (dropped from the record). */
  signatureHeader?: string;
  /** A run started by hand with the sample body. */
  test?: boolean;
}

/** One record per request: `{ eventId, body, headers, query, hook, receivedAt }` (docs/user-guide.md, "Webhook"). */
export function hookRecord(req: HookRequestData): RecordData {
  const headers: { [key: string]: Json } = {};
  const signature = req.signatureHeader?.toLowerCase();
  for (const [name, value] of Object.entries(req.headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || DROPPED_HEADERS.has(lower) || lower === signature) continue;
    headers[lower] = Array.isArray(value) ? value.join(', ') : value;
  }
  const query: { [key: string]: Json } = {};
  for (const [key, value] of Object.entries(req.query)) {
    if (typeof value === 'string') query[key] = value;
    else if (Array.isArray(value)) query[key] = value.filter((v): v is string => typeof v === 'string');
  }
  const record: RecordData = {
    [EVENT_ID_FIELD]: req.eventIdPath.startsWith(HEADER_ID) ? headerId(req.headers, req.eventIdPath.slice(HEADER_ID.length)) : eventIdOf(req.body, req.eventIdPath),
    body: req.body,
    headers,
    query,
    hook: req.name,
    receivedAt: req.receivedAt.toISOString(),
  };
  if (req.test) record.test = true;
  return record;
}

/** An event id path that names a request header instead of a field of the body (`header:webhook-id`). */
export const HEADER_ID = 'header:';

function headerId(headers: HookRequestData['headers'], name: string): string | null {
  const raw = headers[name.trim().toLowerCase()];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  return value ? value : null;
}

/** The event id at `path` in the body as text, or null when there is none (or no path is set). */
export function eventIdOf(body: Json, path: string): string | null {
  if (!path) return null;
  let value: Json | undefined = body;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
    value = value[part];
  }
  if (typeof value === 'string') return value.trim() === '' ? null : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}
