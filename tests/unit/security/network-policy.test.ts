import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../../../nodes/core/http-request.ts';
import { networkPolicy } from '../../../nodes/sdk/network.ts';
import { failureOf, runNode } from '../../../nodes/sdk/testing.ts';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import { startTestServer } from '../server/support.ts';

/**
 * Issue 12: steps cannot reach this computer, link-local (cloud metadata) or private addresses
 * unless the flow or the administrator allows them; checked on the address connected to and on
 * every redirect; a refused target gets no connection (open and closed ports answer alike).
 * Only 127.0.0.1 is ever connected to: every other address here is refused before any attempt.
 */

let inside: Server;
let insidePort: number;
let hits: string[] = [];
let redirector: Server;
let redirectorPort: number;

const DEFAULT = networkPolicy([], {}); // no flow allow list, no CONVEYOR_ALLOW_HOSTS
const get = (url: string, network = DEFAULT) => runNode(httpRequest, { method: 'GET', url }, {}, { network });

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function freePort(): Promise<number> {
  const s = createServer();
  const port = await listen(s);
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  inside = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"secret":"inside"}');
  });
  insidePort = await listen(inside);
  redirector = createServer((req, res) => {
    res.writeHead(302, { location: `http://127.0.0.1:${insidePort}/admin` });
    res.end();
  });
  redirectorPort = await listen(redirector);
});

afterAll(async () => {
  for (const s of [inside, redirector]) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

describe('network policy: refused by default', () => {
  it.each([
    ['127.0.0.1', () => `http://127.0.0.1:${insidePort}/`, '127.0.0.1'],
    ['0.0.0.0', () => `http://0.0.0.0:${insidePort}/`, '0.0.0.0'],
    ['decimal 2130706433', () => `http://2130706433:${insidePort}/`, '127.0.0.1'],
    ['IPv4-mapped [::ffff:127.0.0.1]', () => `http://[::ffff:127.0.0.1]:${insidePort}/`, '127.0.0.1'],
    ['localhost (after DNS resolution)', () => `http://localhost:${insidePort}/`, 'localhost'],
    ['[::1]', () => `http://[::1]:${insidePort}/`, '::1'],
    ['127.1.2.3', () => `http://127.1.2.3:${insidePort}/`, '127.1.2.3'],
    ['metadata 169.254.169.254', () => 'http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
    ['10.0.0.1', () => 'http://10.0.0.1/', '10.0.0.1'],
    ['172.16.0.1', () => 'http://172.16.0.1/', '172.16.0.1'],
    ['192.168.1.1', () => 'http://192.168.1.1/', '192.168.1.1'],
    ['100.64.0.1', () => 'http://100.64.0.1/', '100.64.0.1'],
    ['[fe80::1]', () => 'http://[fe80::1]/', 'fe80::1'],
    ['[fd00::1]', () => 'http://[fd00::1]/', 'fd00::1'],
  ])('%s: E_NETWORK_BLOCKED naming the address and how to allow it; nothing reached', async (_label, url, named) => {
    hits = [];
    const err = await failureOf(() => get(url()));
    expect(err.code).toBe('E_NETWORK_BLOCKED');
    expect(err.message).toContain(named);
    expect(err.message).toMatch(/was refused/);
    expect(err.hint).toMatch(/allowed hosts/);
    expect(err.hint).toContain('CONVEYOR_ALLOW_HOSTS');
    expect(err.transient).toBe(false);
    expect(hits).toEqual([]);
  });

  it('a redirect to a blocked address is refused, even from an allowed site', async () => {
    hits = [];
    const allowOnlyRedirector = networkPolicy([`127.0.0.1:${redirectorPort}`], {});
    const err = await failureOf(() => get(`http://127.0.0.1:${redirectorPort}/go`, allowOnlyRedirector));
    expect(err.code).toBe('E_NETWORK_BLOCKED');
    expect(err.message).toContain(`127.0.0.1 port ${insidePort}`);
    expect(hits).toEqual([]);
  });

  it('an open and a closed port answer the same refusal when the address is not allowed', async () => {
    const closed = await freePort();
    const open = await failureOf(() => get(`http://127.0.0.1:${insidePort}/`));
    const shut = await failureOf(() => get(`http://127.0.0.1:${closed}/`));
    expect(shut.code).toBe('E_NETWORK_BLOCKED');
    expect(shut.message.replace(String(closed), 'PORT')).toBe(open.message.replace(String(insidePort), 'PORT'));
    expect(shut.hint.replace(String(closed), 'PORT')).toBe(open.hint.replace(String(insidePort), 'PORT'));
    // Allowed, a closed port behaves as before: a network error.
    const allowed = await failureOf(() => get(`http://127.0.0.1:${closed}/`, networkPolicy(['127.0.0.1'], {})));
    expect(allowed.code).toBe('E_HTTP_NETWORK');
    expect(allowed.message).toContain('ECONNREFUSED');
  });
});

describe('network policy: allowed explicitly', () => {
  it('the flow allow list (address:port, address, range, name) and CONVEYOR_ALLOW_HOSTS open exactly what they name', async () => {
    for (const entry of [`127.0.0.1:${insidePort}`, '127.0.0.1', '127.0.0.0/8']) {
      hits = [];
      const { result } = await get(`http://127.0.0.1:${insidePort}/ok`, networkPolicy([entry], {}));
      expect(result.emit[0]!.data.response).toMatchObject({ status: 200, body: { secret: 'inside' } });
      expect(hits).toEqual(['GET /ok']);
    }
    const byName = await get(`http://localhost:${insidePort}/name`, networkPolicy(['localhost'], {}));
    expect(byName.result.emit[0]!.data.response).toMatchObject({ status: 200 });
    const byAdmin = await get(`http://127.0.0.1:${insidePort}/admin-set`, networkPolicy([], { CONVEYOR_ALLOW_HOSTS: 'intranet.example, 127.0.0.1' }));
    expect(byAdmin.result.emit[0]!.data.response).toMatchObject({ status: 200 });
    // Another port of an allowed address is still refused.
    const other = await failureOf(() => get(`http://127.0.0.1:${redirectorPort}/`, networkPolicy([`127.0.0.1:${insidePort}`], {})));
    expect(other.code).toBe('E_NETWORK_BLOCKED');
  });
});

describe('network policy: connections kept within a run', () => {
  it('requests of one run reuse a connection checked once; another run, or a refused port, gets none of it', async () => {
    const opened: number[] = [];
    let closedSockets = 0;
    const counting = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    counting.on('connection', (socket) => {
      opened.push(socket.remotePort ?? 0);
      socket.on('close', () => closedSockets++);
    });
    const port = await listen(counting);
    try {
      const run = networkPolicy([`127.0.0.1:${port}`], {});
      for (let i = 0; i < 5; i++) {
        const { result } = await get(`http://127.0.0.1:${port}/n${i}`, run);
        expect(result.emit[0]!.data.response).toMatchObject({ status: 200, body: { ok: true } });
      }
      // Five requests, one connection (each used to open its own: about 2 ms of CPU a request).
      expect(opened).toHaveLength(1);
      // The kept connection does not widen the allow list: another port is still refused.
      hits = [];
      const other = await failureOf(() => get(`http://127.0.0.1:${insidePort}/`, run));
      expect(other.code).toBe('E_NETWORK_BLOCKED');
      expect(hits).toEqual([]);
      // Another run (its own policy) makes its own connection.
      const second = networkPolicy([`127.0.0.1:${port}`], {});
      await get(`http://127.0.0.1:${port}/other-run`, second);
      expect(opened).toHaveLength(2);
      // The run's end closes its connections.
      run.close();
      second.close();
      await expect.poll(() => closedSockets, { timeout: 5_000 }).toBe(2);
      // A closed policy still works: it opens a new connection.
      await get(`http://127.0.0.1:${port}/after`, run);
      expect(opened).toHaveLength(3);
      run.close();
    } finally {
      counting.closeAllConnections();
      await new Promise<void>((resolve) => counting.close(() => resolve()));
    }
  });

  /**
   * A server whose first connection answers its first request, then drops as the second arrives —
   * as a server closing an idle connection does, or one that read the request and then failed (the
   * client cannot tell them apart); every later connection answers. `received`: every request line
   * that reached it, dropped or not.
   */
  async function droppingServer() {
    let connections = 0;
    const served: string[] = [];
    const received: string[] = [];
    const server = createNetServer((socket) => {
      const n = ++connections;
      let requests = 0;
      socket.on('data', (chunk) => {
        const line = chunk.toString().split('\r\n')[0]!.split(' ').slice(0, 2).join(' ');
        received.push(`${n}:${line}`);
        requests++;
        if (n === 1 && requests === 2) {
          socket.destroy();
          return;
        }
        served.push(`${n}:${line}`);
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\nconnection: keep-alive\r\n\r\n{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    return { port, served, received, connections: () => connections, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }

  it('a kept connection dropped as a GET went out: the GET goes again, once, on a new connection', async () => {
    const server = await droppingServer();
    const run = networkPolicy([`127.0.0.1:${server.port}`], {});
    try {
      await get(`http://127.0.0.1:${server.port}/first`, run);
      const { result } = await get(`http://127.0.0.1:${server.port}/second`, run);
      expect(result.emit[0]!.data.response).toMatchObject({ status: 200, body: { ok: true } });
      expect(server.served).toEqual(['1:GET /first', '2:GET /second']);
    } finally {
      run.close();
      await server.close();
    }
  });

  it('a kept connection dropped as a POST went out: the POST is not sent again, and the step says it may have arrived', async () => {
    const server = await droppingServer();
    const run = networkPolicy([`127.0.0.1:${server.port}`], {});
    const post = (path: string) => runNode(httpRequest, { method: 'POST', url: `http://127.0.0.1:${server.port}${path}`, body: '{"order":1}' }, {}, { network: run });
    try {
      await post('/first');
      const failure = await failureOf(() => post('/order'));
      // The service read the POST once; it was never sent on another connection.
      expect(server.received).toEqual(['1:POST /first', '1:POST /order']);
      expect(server.connections()).toBe(1);
      expect(failure.code).toBe('E_HTTP_NETWORK');
      expect(failure.message).toMatch(/POST .*\/order failed \((ECONNRESET|EPIPE)\): the connection was cut off after the request was sent\./);
      expect(failure.hint).toMatch(/may have received the request.*may act twice: check with the service whether it was handled before retrying/);
    } finally {
      run.close();
      await server.close();
    }
  });

  it('a POST its node declares harmless to repeat (asking a language model) is sent again like a GET', async () => {
    const server = await droppingServer();
    const run = networkPolicy([`127.0.0.1:${server.port}`], {});
    const ask = (path: string) => run.fetch(new URL(`http://127.0.0.1:${server.port}${path}`), { method: 'POST', headers: new Headers(), body: '{}', repeatable: true });
    try {
      // Read whole, so that its connection is free for the next request.
      expect(await (await ask('/first')).json()).toEqual({ ok: true });
      const second = await ask('/ask');
      expect(second.status).toBe(200);
      expect(await second.json()).toEqual({ ok: true });
      expect(server.served).toEqual(['1:POST /first', '2:POST /ask']);
    } finally {
      run.close();
      await server.close();
    }
  });

  it('requests that may act twice share a connection only while it has been idle under a second', async () => {
    const opened: number[] = [];
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      });
    });
    server.on('connection', (socket) => opened.push(socket.remotePort ?? 0));
    const port = await listen(server);
    const run = networkPolicy([`127.0.0.1:${port}`], {});
    const send = (method: 'POST' | 'GET', path: string) => runNode(httpRequest, { method, url: `http://127.0.0.1:${port}${path}` }, {}, { network: run });
    try {
      await send('POST', '/a');
      await send('POST', '/b');
      expect(opened).toHaveLength(1);
      await send('GET', '/c');
      expect(opened).toHaveLength(2);
      await new Promise((resolve) => setTimeout(resolve, 1_300));
      // After 1.3 s idle the POST gets a new connection; the GET keeps its own (idle under 2 s).
      await send('POST', '/d');
      expect(opened).toHaveLength(3);
      await send('GET', '/e');
      expect(opened).toHaveLength(3);
    } finally {
      run.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('a flow cannot reach the studio, nor change a credential', () => {
  let s: Awaited<ReturnType<typeof startTestServer>>;
  let credentialId: string;
  const SCOPE = { nodeTypes: ['core.http-request'], hosts: ['api.example.com'] };

  beforeAll(async () => {
    s = await startTestServer(); // login off: nobody needs to sign in
    const created = await s.api('POST', '/api/credentials', { name: 'Billing', kind: 'api_key', fields: { header: 'X-Api-Key' }, secrets: { key: 'k-123456789' }, scope: SCOPE });
    expect(created.status).toBe(201);
    credentialId = created.body.id;
  });
  afterAll(async () => s?.close());

  function rescopeFlow(id: string, allowHosts?: string[]): FlowDocument {
    return {
      format: FLOW_FORMAT,
      id,
      name: 'Re-scope a credential',
      description: '',
      settings: { concurrency: 1, ...(allowHosts ? { allowHosts } : {}) },
      nodes: [
        { id: 't', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: '[{"n": 1}]' } },
        {
          id: 'h',
          type: 'core.http-request',
          position: { x: 200, y: 0 },
          params: { method: 'PUT', url: `${s.url}/api/credentials/${credentialId}`, body: '{"scope": {"nodeTypes": ["core.http-request"], "hosts": ["evil.example"]}}' },
        },
      ],
      edges: [{ id: 'e', source: 't', sourcePort: 'out', target: 'h', targetPort: 'in' }],
    };
  }

  async function runFlow(flow: FlowDocument) {
    expect((await s.api('POST', '/api/flows/import?onConflict=replace', flow)).status).toBe(201);
    const started = await s.api('POST', '/api/runs', { flowId: flow.id });
    expect(started.status).toBe(201);
    await s.conveyor.engine.waitForRun(started.body.id);
    return (await s.api('GET', `/api/runs/${started.body.id}/records/0`)).body.record;
  }

  it('the studio\'s own API is unreachable from an HTTP step, even with loopback allowed', async () => {
    for (const flow of [rescopeFlow('flow_rescope_default'), rescopeFlow('flow_rescope_loopback', ['127.0.0.1', 'localhost'])]) {
      const record = await runFlow(flow);
      expect(record.status).toBe('failed');
      expect(record.error.code).toBe('E_NETWORK_BLOCKED');
      expect(record.error.message).toMatch(/this studio itself/);
    }
    expect((await s.api('GET', `/api/credentials/${credentialId}`)).body.scope).toEqual(SCOPE);
  });

  it('even a flow allowed to call the studio cannot change a credential: the change needs the studio\'s page', async () => {
    const port = new URL(s.url).port;
    const record = await runFlow(rescopeFlow('flow_rescope_allowed', [`127.0.0.1:${port}`]));
    expect(record.status).toBe('failed');
    expect(record.error.code).toBe('E_HTTP_STATUS');
    expect(record.error.message).toContain('403');
    expect((await s.api('GET', `/api/credentials/${credentialId}`)).body.scope).toEqual(SCOPE);
    // A script without Origin is refused too; the studio's page (same-origin) may change it.
    const bare = await fetch(`${s.url}/api/credentials/${credentialId}`, { method: 'DELETE' });
    expect(bare.status).toBe(403);
    expect((await bare.json()).error.code).toBe('E_ORIGIN_REQUIRED');
    const fromPage = await fetch(`${s.url}/api/credentials/${credentialId}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
      body: JSON.stringify({ scope: { nodeTypes: ['core.http-request'], hosts: ['api2.example.com'] } }),
    });
    expect(fromPage.status).toBe(200);
  });

  it('a flow whose allowed hosts are not hosts is refused at import, naming the entry', async () => {
    const bad = rescopeFlow('flow_bad_allow', ['127.0.0.1:3100', 'not a host!']);
    const answer = await s.api('POST', '/api/flows/import', bad);
    expect(answer.status).toBe(422);
    expect(JSON.stringify(answer.body)).toContain('allowHosts');
  });
});
