import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** The header a signed-in client sends its session's CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isStateChanging(method: string | undefined): boolean {
  return STATE_CHANGING.has((method ?? '').toUpperCase());
}

/** Whether the request carries the session's CSRF token (compared in constant time). */
export function hasCsrfToken(req: IncomingMessage, expected: string): boolean {
  const sent = req.headers[CSRF_HEADER];
  if (typeof sent !== 'string' || !sent) return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v?.split(',')[0]?.trim() || undefined;
}

/** `host[:port]` → hostname and port, the port defaulting to the scheme's. */
function hostPort(host: string, defaultPort: string): { hostname: string; port: string } | null {
  try {
    const u = new URL(`http://${host}`);
    if (u.username || u.password || u.pathname !== '/' || u.search) return null;
    return { hostname: u.hostname.toLowerCase(), port: /:\d+$/.test(host) ? host.slice(host.lastIndexOf(':') + 1).replace(/^0+(?=\d)/, '') : defaultPort };
  } catch {
    return null;
  }
}

/**
 * Whether a browser sent this request from another site: it has an `Origin` header whose host is
 * neither the `Host` the request was sent to nor the `X-Forwarded-Host` a reverse proxy set (a web
 * page can set neither header itself). Requests without `Origin` (scripts, curl, same-origin GET)
 * are not foreign; `Origin: null` (sandboxed frames, files) is.
 */
export function isForeignOrigin(req: IncomingMessage): boolean {
  const origin = firstHeader(req.headers.origin);
  if (origin === undefined) return false;
  let o: URL;
  try {
    o = new URL(origin);
  } catch {
    return true;
  }
  if (o.protocol !== 'http:' && o.protocol !== 'https:') return true;
  const defaultPort = o.protocol === 'https:' ? '443' : '80';
  const from = { hostname: o.hostname.toLowerCase(), port: o.port || defaultPort };
  for (const candidate of [firstHeader(req.headers.host), firstHeader(req.headers['x-forwarded-host'])]) {
    if (!candidate) continue;
    const to = hostPort(candidate, defaultPort);
    if (to && to.hostname === from.hostname && to.port === from.port) return false;
  }
  return true;
}
