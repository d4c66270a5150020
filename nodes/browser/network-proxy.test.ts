import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { Resources } from '../sdk/resources.ts';
import { failureOf, runNode } from '../sdk/testing.ts';
import { networkPolicy, type NetworkAccess } from '../sdk/network.ts';
import { browserOpen } from './open.ts';
import { browserWaitFor } from './wait-for.ts';
import { leaseProxy, BLOCKED_HEADER } from './lib/network-proxy.ts';

/**
 * Browser traffic goes through the policy proxy (lib/network-proxy.ts): redirect hops, sub-resources,
 * WebSockets and names resolving to loopback are refused before any connection is made. Everything
 * here talks to 127.0.0.1 only: "inside" is a server the policy refuses (only "outside" is allowed,
 * by its port), and it counts every connection it gets.
 */

interface Counted {
  server: Server;
  port: number;
  connections: number;
  requests: string[];
  sockets: Set<net.Socket>;
}

async function counted(handle: (s: Counted) => Parameters<typeof createServer>[1]): Promise<Counted> {
  const s = { connections: 0, requests: [] as string[], port: 0, sockets: new Set() } as Counted;
  s.server = createServer(handle(s));
  s.server.on('connection', (socket) => {
    s.connections++;
    s.sockets.add(socket);
    socket.on('close', () => s.sockets.delete(socket));
  });
  // A minimal WebSocket handshake: enough for the browser's `open` event.
  s.server.on('upgrade', (req, socket) => {
    s.requests.push(`ws ${req.url}`);
    const accept = createHash('sha1').update(`${req.headers['sec-websocket-key']}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  });
  await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
  s.port = (s.server.address() as AddressInfo).port;
  return s;
}

let inside: Counted;
let outside: Counted;
const runScope = new Resources();

beforeAll(async () => {
  inside = await counted((s) => (req, res) => {
    s.requests.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<p id="inside">inside secret</p>');
  });
  outside = await counted((s) => (req, res) => {
    s.requests.push(req.url ?? '');
    const to: Record<string, string> = {
      '/to-inside': `http://127.0.0.1:${inside.port}/secret`,
      '/to-localhost': `http://localhost:${inside.port}/secret`,
      '/to-metadata': 'http://169.254.169.254/latest/meta-data/',
    };
    if (to[req.url ?? '']) {
      res.writeHead(302, { location: to[req.url!]! });
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    if (req.url === '/sub') {
      res.end(`<p id="outside">outside</p>
        <img src="http://127.0.0.1:${inside.port}/pixel.png">
        <iframe src="http://localhost:${inside.port}/frame"></iframe>
        <script>
          fetch('http://127.0.0.1:${inside.port}/api').catch(() => { document.body.dataset.fetch = 'failed'; });
          const blocked = new WebSocket('ws://127.0.0.1:${inside.port}/ws');
          blocked.onerror = () => { document.body.dataset.blocked = 'failed'; };
          const allowed = new WebSocket('ws://127.0.0.1:${outside.port}/ws');
          allowed.onopen = () => { document.body.dataset.allowed = 'open'; };
        </script>`);
      return;
    }
    res.end('<p id="outside">outside</p>');
  });
});

beforeEach(() => {
  for (const s of [inside, outside]) {
    s.connections = 0;
    s.requests.length = 0;
  }
});

afterAll(async () => {
  await runScope.closeAll();
  for (const s of [inside, outside]) {
    s?.sockets.forEach((socket) => socket.destroy()); // upgraded (WebSocket) ones too
    await new Promise<void>((resolve) => (s ? s.server.close(() => resolve()) : resolve()));
  }
});

/** One record with `network` as its run's policy. */
function record(network: NetworkAccess) {
  const scope = new Resources();
  const extra = { resources: { run: runScope, record: scope }, network };
  return {
    open: (url: string) => runNode(browserOpen, { url, timeoutMs: 5000 }, {}, extra),
    waitFor: (selector: string) => runNode(browserWaitFor, { until: 'attached', selectors: [selector], timeoutMs: 5000 }, {}, extra),
    done: () => scope.closeAll(),
  };
}

// Only the "outside" site is allowed, by its port; "inside" (same address, another port) is not.
const onlyOutside = () => networkPolicy([`127.0.0.1:${outside.port}`], {});

describe('browser network policy proxy (real Chromium)', () => {
  it('a redirect to a blocked address fails E_NETWORK_BLOCKED and the blocked server gets no connection', async () => {
    const r = record(onlyOutside());
    try {
      const toInside = await failureOf(() => r.open(`http://127.0.0.1:${outside.port}/to-inside`));
      expect(toInside).toMatchObject({ code: 'E_NETWORK_BLOCKED' });
      expect(toInside.message).toContain(`127.0.0.1 port ${inside.port}`);
      expect(toInside.hint).toContain(`127.0.0.1:${inside.port}`);
      // Refused before connecting: the metadata address is never tried (the test stays on 127.0.0.1).
      const toMetadata = await failureOf(() => r.open(`http://127.0.0.1:${outside.port}/to-metadata`));
      expect(toMetadata).toMatchObject({ code: 'E_NETWORK_BLOCKED' });
      expect(toMetadata.message).toContain('169.254.169.254 port 80');
      expect(outside.requests).toEqual(expect.arrayContaining(['/to-inside', '/to-metadata']));
      expect(inside.connections).toBe(0);
      expect(inside.requests).toEqual([]);
      // The record's page was left: a later open of an allowed page works.
      await r.open(`http://127.0.0.1:${outside.port}/page`);
    } finally {
      await r.done();
    }
  });

  it("a page's images, frames, fetches and WebSockets to a blocked port never connect; allowed ones work", async () => {
    const r = record(onlyOutside());
    try {
      await r.open(`http://127.0.0.1:${outside.port}/sub`);
      await r.waitFor('body[data-allowed="open"]');
      await r.waitFor('body[data-blocked="failed"]');
      await r.waitFor('body[data-fetch="failed"]');
      expect(outside.requests).toContain('ws /ws');
      expect(inside.connections).toBe(0);
      expect(inside.requests).toEqual([]);
    } finally {
      await r.done();
    }
  });

  it('a name resolving to loopback (localhost) is refused unless allowed; https tunnels are checked too', async () => {
    const r = record(onlyOutside());
    try {
      const direct = await failureOf(() => r.open(`http://localhost:${inside.port}/`));
      expect(direct).toMatchObject({ code: 'E_NETWORK_BLOCKED' });
      expect(direct.message).toMatch(new RegExp(`(127\\.0\\.0\\.1|::1) port ${inside.port} \\(localhost\\)`));
      const redirected = await failureOf(() => r.open(`http://127.0.0.1:${outside.port}/to-localhost`));
      expect(redirected).toMatchObject({ code: 'E_NETWORK_BLOCKED' });
      const tunnel = await failureOf(() => r.open(`https://127.0.0.1:${inside.port}/`));
      expect(tunnel).toMatchObject({ code: 'E_NETWORK_BLOCKED' });
      expect(tunnel.message).toContain(`127.0.0.1 port ${inside.port}`);
      expect(inside.connections).toBe(0);
    } finally {
      await r.done();
    }
    const allowed = record(networkPolicy([`localhost:${inside.port}`], {}));
    try {
      const opened = await allowed.open(`http://localhost:${inside.port}/allowed`);
      expect(opened.ctx.logs.map((l) => l.message).join()).toContain('/allowed');
      expect(inside.requests).toContain('/allowed');
    } finally {
      await allowed.done();
    }
  });

  it('an allowed address that does not answer still fails E_PAGE_LOAD with the connection error', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = record(networkPolicy([`127.0.0.1:${port}`], {}));
    try {
      const err = await failureOf(() => r.open(`http://127.0.0.1:${port}/`));
      expect(err).toMatchObject({ code: 'E_PAGE_LOAD', transient: true });
      expect(err.message).toContain('ERR_CONNECTION_REFUSED');
    } finally {
      await r.done();
    }
  });

  it('the proxy answers 407 to anyone without its credentials, and refuses with a marked 403', async () => {
    const network = networkPolicy([`127.0.0.1:${outside.port}`], {});
    const lease = await leaseProxy(network, () => undefined);
    const proxy = new URL(lease.server);
    const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    const viaProxy = (target: string, auth?: string) =>
      new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
        const req = request({ host: proxy.hostname, port: proxy.port, path: target, headers: auth ? { 'proxy-authorization': auth } : {} }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        });
        req.on('error', reject);
        req.end();
      });
    const connect = (target: string, auth?: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = net.connect(Number(proxy.port), proxy.hostname, () => {
          socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${auth ? `Proxy-Authorization: ${auth}\r\n` : ''}\r\n`);
        });
        socket.once('data', (d) => {
          resolve(d.toString().split('\r\n')[0]!);
          socket.destroy();
        });
        socket.on('error', reject);
      });
    const allowedUrl = `http://127.0.0.1:${outside.port}/page`;
    const insideTarget = `127.0.0.1:${inside.port}`;
    try {
      expect((await viaProxy(allowedUrl)).status).toBe(407);
      expect((await viaProxy(allowedUrl, basic(lease.username, 'wrong'))).status).toBe(407);
      expect((await viaProxy(allowedUrl, basic('someone', lease.password))).status).toBe(407);
      expect(await connect(insideTarget)).toContain('407');
      expect(await connect(insideTarget, basic(lease.username, 'wrong'))).toContain('407');
      const ok = await viaProxy(allowedUrl, basic(lease.username, lease.password));
      expect(ok.status).toBe(200);
      expect(ok.body).toContain('outside');
      const refused = await viaProxy(`http://${insideTarget}/`, basic(lease.username, lease.password));
      expect(refused.status).toBe(403);
      expect(refused.headers[BLOCKED_HEADER]).toBeTruthy();
      expect(refused.body).toContain(`127.0.0.1 port ${inside.port}`);
      expect(await connect(insideTarget, basic(lease.username, lease.password))).toContain('403');
      expect(await connect(`127.0.0.1:${outside.port}`, basic(lease.username, lease.password))).toContain('200');
      lease.release();
      expect((await viaProxy(allowedUrl, basic(lease.username, lease.password))).status).toBe(407);
      expect(inside.connections).toBe(0);
    } finally {
      lease.release();
    }
  });
});
