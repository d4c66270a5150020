import type { IncomingMessage } from 'node:http';
import { ConveyorError } from '../errors.ts';

/** 127.0.0.0/8, ::1 and localhost: addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * Whether the request was sent to a loopback name of this machine (its `Host`: localhost:3000,
 * 127.0.0.1:3000, [::1]:3000). With login off the API answers only those: a page of another site
 * whose name its DNS server rebinds to 127.0.0.1 sends its own name as `Host`, and its `Origin`
 * matches it — the Origin check let that page read every flow and run and change anything.
 * A request without `Host` (HTTP/1.0, no browser) is taken.
 */
export function sentToLoopbackName(req: IncomingMessage): boolean {
  const host = req.headers.host;
  if (!host) return true;
  try {
    return isLoopbackHost(new URL(`http://${host}`).hostname);
  } catch {
    return false;
  }
}

export function hostForbiddenError(req: IncomingMessage): ConveyorError {
  const host = String(req.headers.host ?? '').slice(0, 100);
  return new ConveyorError(
    'E_HOST_FORBIDDEN',
    `This studio has no password, so it answers only requests sent to this computer's own address (localhost or 127.0.0.1); this one was sent to "${host}".`,
    'Open the studio at http://localhost:<port> or http://127.0.0.1:<port>. To reach it under another name, set an admin password first ("npx conveyor set-password").',
    403,
  );
}
