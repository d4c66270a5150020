import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { NodeError } from '../../../server/contract/node-error.ts';
import type { NetworkAccess } from '../../sdk/network.ts';

/**
 * The forward proxy every browser context sends all its traffic through (documents, redirect hops,
 * sub-resources, fetches, WebSockets): it checks each target with the run's network policy
 * (`ctx.network.resolve`: after DNS, allow list, studio port) and connects to exactly the address
 * that was checked, so Chromium never resolves a name or opens a connection by itself.
 *
 * One proxy per process, on 127.0.0.1 and a random port; each browser context gets its own random
 * user name and password (its lease), which selects the context's policy. Anyone else (wrong or no
 * credentials) gets 407. A refused target gets 403 with the header `x-conveyor-blocked` and is never
 * connected to; a target that cannot be reached gets 502 with `x-conveyor-failed: <Chromium code>`.
 */

/** Response header of a refusal by the policy: its value is the refusal's id for `ProxyLease.onProblem`. */
export const BLOCKED_HEADER = 'x-conveyor-blocked';
/** Response header of a target that could not be reached: the Chromium error code (ERR_NAME_NOT_RESOLVED…). */
export const FAILED_HEADER = 'x-conveyor-failed';

export type ProxyProblem = { id: string; blocked: NodeError } | { id: string; failed: string; message: string };

export interface ProxyLease {
  server: string;
  username: string;
  password: string;
  /** Forgets the credentials: the proxy refuses them from then on (407). */
  release(): void;
}

interface Client {
  digest: Buffer;
  network: NetworkAccess;
  onProblem: (problem: ProxyProblem) => void;
}

const HOP_BY_HOP = new Set(['connection', 'proxy-connection', 'keep-alive', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** Raw headers without the hop-by-hop ones (and those named by `Connection`). */
function endToEnd(raw: string[]): string[] {
  const named = new Set<string>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === 'connection') raw[i + 1]!.split(',').forEach((n) => named.add(n.trim().toLowerCase()));
  }
  const kept: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (!HOP_BY_HOP.has(name) && !named.has(name)) kept.push(raw[i]!, raw[i + 1]!);
  }
  return kept;
}

/** The Chromium error code a failed connection of a page would have shown. */
function netCode(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NODATA' || code === 'EAI_NONAME') return 'ERR_NAME_NOT_RESOLVED';
  if (code === 'ECONNREFUSED') return 'ERR_CONNECTION_REFUSED';
  if (code === 'ETIMEDOUT') return 'ERR_CONNECTION_TIMED_OUT';
  if (code === 'ECONNRESET') return 'ERR_CONNECTION_RESET';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'ERR_ADDRESS_UNREACHABLE';
  return 'ERR_CONNECTION_FAILED';
}

const digestOf = (text: string): Buffer => createHash('sha256').update(text).digest();

class PolicyProxy {
  private readonly clients = new Map<string, Client>();
  private readonly server = http.createServer();
  private problems = 0;
  port = 0;

  constructor() {
    this.server.on('request', (req, res) => this.forward(req, res));
    this.server.on('connect', (req, socket, head) => this.tunnel(req, socket, head));
    this.server.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 501 Not Implemented\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'));
    this.server.on('clientError', (_err, socket) => socket.destroy());
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as net.AddressInfo).port;
    this.server.unref();
  }

  lease(network: NetworkAccess, onProblem: (problem: ProxyProblem) => void): ProxyLease {
    const username = `c${randomBytes(12).toString('hex')}`;
    const password = randomBytes(24).toString('hex');
    this.clients.set(username, { digest: digestOf(password), network, onProblem });
    return { server: `http://127.0.0.1:${this.port}`, username, password, release: () => this.clients.delete(username) };
  }

  /** The client a `Proxy-Authorization: Basic …` header names, when its password is right. */
  private client(header: string | undefined): Client | null {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
    if (!m) return null;
    const text = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    const client = colon > 0 ? this.clients.get(text.slice(0, colon)) : undefined;
    if (!client) return null;
    return timingSafeEqual(client.digest, digestOf(text.slice(colon + 1))) ? client : null;
  }

  /** Records a problem with the client and returns its id. */
  private report(client: Client, err: unknown): ProxyProblem {
    const id = String(++this.problems);
    const problem: ProxyProblem =
      err instanceof NodeError && err.code === 'E_NETWORK_BLOCKED' ? { id, blocked: err } : { id, failed: netCode(err), message: err instanceof Error ? err.message : String(err) };
    try {
      client.onProblem(problem);
    } catch {
      // the context is gone
    }
    return problem;
  }

  /** A plain HTTP request in absolute form (`GET http://host:port/path`). */
  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const client = this.client(req.headers['proxy-authorization']);
    if (!client) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="Conveyor"', 'content-length': '0', connection: 'close' }).end();
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '');
      if (url.protocol !== 'http:') throw new Error('not http');
    } catch {
      res.writeHead(400, { 'content-length': '0', connection: 'close' }).end();
      return;
    }
    const port = url.port ? Number(url.port) : 80;
    const fail = (err: unknown): void => {
      const problem = this.report(client, err);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const text = 'blocked' in problem ? problem.blocked.message : `${url.host}: ${problem.message}`;
      res.writeHead('blocked' in problem ? 403 : 502, {
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
        ...('blocked' in problem ? { [BLOCKED_HEADER]: problem.id } : { [FAILED_HEADER]: problem.failed }),
      });
      res.end(text);
    };
    client.network.resolve(url.hostname, port).then((target) => {
      if (res.destroyed) return;
      const upstream = http.request({
        host: target.address,
        family: target.family,
        port,
        method: req.method,
        path: `${url.pathname}${url.search}`,
        headers: endToEnd(req.rawHeaders),
        setHost: false,
        agent: false,
      });
      upstream.on('response', (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEnd(answer.rawHeaders));
        answer.pipe(res);
        answer.on('error', () => res.destroy());
      });
      upstream.on('error', fail);
      res.on('close', () => upstream.destroy());
      req.pipe(upstream);
    }, fail);
  }

  /** A CONNECT tunnel (`CONNECT host:443`): https, wss and ws. */
  private tunnel(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const client = this.client(req.headers['proxy-authorization']);
    if (!client) {
      socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="Conveyor"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(req.url ?? '');
    const port = m ? Number(m[3]) : 0;
    if (!m || port < 1 || port > 65535) {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const hostname = m[1] ?? m[2]!;
    const fail = (err: unknown): void => {
      const problem = this.report(client, err);
      const status = 'blocked' in problem ? `403 Forbidden\r\n${BLOCKED_HEADER}: ${problem.id}` : `502 Bad Gateway\r\n${FAILED_HEADER}: ${problem.failed}`;
      if (!socket.destroyed) socket.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
    };
    client.network.resolve(hostname, port).then((target) => {
      if (socket.destroyed) return;
      const upstream = net.connect({ host: target.address, family: target.family, port });
      upstream.once('error', fail);
      upstream.once('connect', () => {
        upstream.off('error', fail);
        upstream.on('error', () => socket.destroy());
        socket.on('close', () => upstream.destroy());
        upstream.on('close', () => socket.destroy());
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        if (head.length) upstream.write(head);
        socket.pipe(upstream).pipe(socket);
      });
    }, fail);
  }
}

let shared: Promise<PolicyProxy> | undefined;

/**
 * Credentials for one browser context on the process's policy proxy (started on first use):
 * everything the context sends is checked with `network`; refusals and unreachable targets are
 * reported to `onProblem` (with the id the 403/502 answer carries).
 */
export async function leaseProxy(network: NetworkAccess, onProblem: (problem: ProxyProblem) => void): Promise<ProxyLease> {
  shared ??= (async () => {
    const proxy = new PolicyProxy();
    await proxy.listen();
    return proxy;
  })().catch((err: unknown) => {
    shared = undefined;
    throw err;
  });
  return (await shared).lease(network, onProblem);
}
