import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeError } from '../../server/contract/node-error.ts';
import { httpRequest, statusMatches } from './http-request.ts';
import { displayUrl } from '../sdk/url.ts';
import { failureOf, fakeCredentials, runNode } from '../sdk/testing.ts';
import { networkPolicy } from '../sdk/network.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const FILE_BYTES = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x37, 0x0a, 0x25, 0xe2, 0xe3, 0xcf, 0xd3, 0x0a, 0x00, 0xff]);

let server: Server;
let base: string;
const seen: Seen[] = [];

function respond(req: IncomingMessage, res: ServerResponse, body: string): void {
  seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  if (path.startsWith('/users/')) {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'r-1' });
    res.end(JSON.stringify({ id: path.slice('/users/'.length), name: 'Ada' }));
  } else if (path === '/echo') {
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ method: req.method, contentType: req.headers['content-type'] ?? null, auth: req.headers.authorization ?? null, body }));
  } else if (path === '/headers') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ method: req.method, headers: req.headers }));
  } else if (path === '/hop') {
    res.writeHead(302, { location: '/headers' });
    res.end();
  } else if (path === '/away') {
    res.writeHead(307, { location: `http://localhost:${url.searchParams.get('port')}/headers` });
    res.end();
  } else if (path === '/ids') {
    // As services holding 64-bit ids write them: bare integers past 2^53.
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"order":1234567890123456789,"items":[{"sku":9007199254740993,"qty":2}],"safe":9007199254740991,"price":12.5,"note":"ref 12345678901234567890"}');
  } else if (path === '/big') {
    // 3 MB, announced or not (chunked).
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    res.writeHead(200, url.searchParams.has('announce') ? { 'content-type': 'text/plain', 'content-length': String(48 * chunk.length) } : { 'content-type': 'text/plain' });
    for (let i = 0; i < 48; i++) res.write(chunk);
    res.end();
  } else if (path === '/latin1') {
    // An older site: ISO-8859-1 declared (Windows-1252 for browsers), bytes 0x80–0x9F used.
    res.writeHead(200, { 'content-type': 'text/plain; charset=ISO-8859-1' });
    res.end(Buffer.from([...Buffer.from('M'), 0xfc, ...Buffer.from('ller '), 0x80, 0x20, 0x93, 0x71, 0x94]));
  } else if (path === '/meta') {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(Buffer.concat([Buffer.from('<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252"></head><body>Caf'), Buffer.from([0xe9]), Buffer.from('</body></html>')]));
  } else if (path === '/file') {
    // A PDF's first bytes (one of them 0xE2, which is no UTF-8 text on its own), as a document service sends it.
    res.writeHead(200, url.searchParams.has('untyped') ? {} : { 'content-type': 'application/pdf' });
    res.end(FILE_BYTES);
  } else if (path === '/text') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('plain hello');
  } else if (path === '/status') {
    const code = Number(url.searchParams.get('code'));
    res.writeHead(code, { 'content-type': 'text/plain' });
    res.end(code === 204 ? undefined : `status ${code} body`);
  } else if (path === '/slow') {
    // never answers: the client's time limit or cancellation must end the request
  } else {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'no such thing' }));
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => respond(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

// The test server listens on 127.0.0.1: allowed explicitly, as a flow's allowed hosts would.
const localOnly = networkPolicy(['127.0.0.1'], {});
const call = (params: Record<string, unknown>, input: Record<string, any> = {}, extra = {}) => runNode(httpRequest, params, input, { network: localOnly, ...extra });

async function failure(params: Record<string, unknown>, input: Record<string, any> = {}, extra = {}): Promise<NodeError> {
  const err = await failureOf(() => call(params, input, extra));
  expect(err).toBeInstanceOf(NodeError);
  expect(err.hint).toBeTruthy();
  return err;
}

describe('core.http-request', () => {
  it('keeps a file the service answers (a PDF, untyped bytes) as its bytes in base64, not as text that loses them', async () => {
    const typed = (await call({ url: `${base}/file` })).result.emit[0].data as any;
    expect(typed.response).toMatchObject({ status: 200, encoding: 'base64', body: FILE_BYTES.toString('base64') });
    expect(Buffer.from(typed.response.body, 'base64')).toEqual(FILE_BYTES);
    const untyped = (await call({ url: `${base}/file?untyped=1` })).result.emit[0].data as any;
    expect(untyped.response).toMatchObject({ encoding: 'base64', body: FILE_BYTES.toString('base64') });
    // Text and JSON answers are as before (no encoding); either way can be asked for.
    const text = (await call({ url: `${base}/text` })).result.emit[0].data as any;
    expect(text.response).toEqual({ status: 200, headers: expect.any(Object), body: 'plain hello' });
    expect(((await call({ url: `${base}/text`, answerAs: 'base64' })).result.emit[0].data as any).response).toMatchObject({ body: Buffer.from('plain hello').toString('base64'), encoding: 'base64' });
    const forced = ((await call({ url: `${base}/file`, answerAs: 'text' })).result.emit[0].data as any).response;
    expect(forced.encoding).toBeUndefined();
    expect(forced.body).toContain('%PDF-1.7');
  });

  it('declares an unsafe Network node with sensible defaults', () => {
    expect(httpRequest).toMatchObject({ category: 'Network', effect: 'unsafe', inputs: [{ id: 'in', label: 'In' }], outputs: [{ id: 'out', label: 'Out' }] });
    expect(httpRequest.params.parse({})).toEqual({
      method: 'GET',
      url: 'https://api.example.com/users/{{ id }}',
      headers: [],
      bodyFormat: 'json',
      body: '',
      timeoutMs: 10_000,
      maxAnswerMb: 20,
      expectStatus: '2xx',
      responseField: 'response',
      answerAs: 'auto',
      credential: '',
      rateLimit: 0,
      ratePer: 'second',
      retryAfterMaxSeconds: 60,
    });
    expect(httpRequest.credentials).toEqual([{ name: 'credential', kind: ['basic', 'api_key'], optional: true }]);
  });

  it('GETs a templated URL and stores the parsed JSON answer with status and headers', async () => {
    const input = { id: 7, keep: true };
    const { result } = await call({ url: `${base}/users/{{ id }}` }, input);
    expect(result.emit).toHaveLength(1);
    expect(result.emit[0].port).toBe('out');
    const data = result.emit[0].data as any;
    expect(data.keep).toBe(true);
    expect(data.response.status).toBe(200);
    expect(data.response.body).toEqual({ id: '7', name: 'Ada' });
    expect(data.response.headers['x-request-id']).toBe('r-1');
    expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/users/7' });
    expect(input).toEqual({ id: 7, keep: true });
  });

  it('keeps whole numbers too long for a number digit for digit (as text), says so in the log without the digits, leaves the rest alone', async () => {
    const { result, ctx } = await call({ url: `${base}/ids` });
    expect((result.emit[0].data as any).response.body).toEqual({
      order: '1234567890123456789',
      items: [{ sku: '9007199254740993', qty: 2 }],
      safe: 9007199254740991,
      price: 12.5,
      note: 'ref 12345678901234567890',
    });
    const warned = ctx.logs.filter((l) => l.level === 'warn');
    expect(warned).toHaveLength(1);
    expect(warned[0].message).toBe(`127.0.0.1:${new URL(base).port} answered with 2 whole numbers too long to hold exactly as a number: kept as text, digit for digit, in the step's output.`);
    expect(JSON.stringify(ctx.logs)).not.toContain('1234567890123456789');
  });

  it('reads a text answer in its own character set (the charset, else an HTML <meta charset>), not always as UTF-8', async () => {
    const latin = await call({ url: `${base}/latin1` });
    expect((latin.result.emit[0].data as any).response.body).toBe('Müller € “q”');
    const meta = await call({ url: `${base}/meta` });
    expect((meta.result.emit[0].data as any).response.body).toContain('<body>Café</body>');
  });

  it('an answer larger than "Largest answer (MB)" fails E_HTTP_TOO_LARGE, announced or not, and keeps nothing', async () => {
    for (const q of ['', '?announce=1']) {
      const err = await failure({ url: `${base}/big${q}`, maxAnswerMb: 2 });
      expect(err.code).toBe('E_HTTP_TOO_LARGE');
      expect(err.message).toBe(`GET ${base}/big${q} answered with more than 2 MB; nothing of it was kept.`);
    }
    const { result } = await call({ url: `${base}/big`, maxAnswerMb: 4 });
    expect(((result.emit[0].data as any).response.body as string).length).toBe(3 * 1024 * 1024);
  });

  it('keeps non-JSON answers as text, under the chosen field', async () => {
    const { result } = await call({ url: `${base}/text`, responseField: 'answer' });
    expect((result.emit[0].data as any).answer).toMatchObject({ status: 200, body: 'plain hello' });
  });

  it('POSTs a JSON body built from the record, escaping values, with templated headers', async () => {
    const { result } = await call(
      {
        method: 'POST',
        url: `${base}/echo`,
        headers: [{ name: 'Authorization', value: 'Bearer {{ token }}' }],
        body: '{"name": "{{ name }}", "age": {{ age }}, "tags": {{ tags }}}',
      },
      { token: 't0k', name: 'Ada "Countess" Lovelace', age: 36, tags: ['math'] },
    );
    const echo = (result.emit[0].data as any).response;
    expect(echo.status).toBe(201);
    expect(echo.body).toMatchObject({ method: 'POST', contentType: 'application/json', auth: 'Bearer t0k' });
    expect(JSON.parse(echo.body.body)).toEqual({ name: 'Ada "Countess" Lovelace', age: 36, tags: ['math'] });
  });

  it('sends text bodies as written, and no body for GET or format none', async () => {
    const text = await call({ method: 'PUT', url: `${base}/echo`, bodyFormat: 'text', body: 'hi {{ name }}' }, { name: 'Ada' });
    expect((text.result.emit[0].data as any).response.body).toMatchObject({ method: 'PUT', body: 'hi Ada', contentType: 'text/plain; charset=utf-8' });
    const get = await call({ method: 'GET', url: `${base}/echo`, body: '{"a": 1}' });
    expect((get.result.emit[0].data as any).response.body).toMatchObject({ body: '', contentType: null });
    const none = await call({ method: 'DELETE', url: `${base}/echo`, bodyFormat: 'none', body: '{"a": 1}' });
    expect((none.result.emit[0].data as any).response.body).toMatchObject({ method: 'DELETE', body: '' });
  });

  it('fails with E_HTTP_STATUS on 404 (business error), naming the status and URL', async () => {
    const err = await failure({ url: `${base}/missing/{{ id }}` }, { id: 3 });
    expect(err).toMatchObject({ code: 'E_HTTP_STATUS', transient: false });
    expect(err.message).toContain(`GET ${base}/missing/3 answered 404 Not Found (expected 2xx)`);
    expect(err.message).toContain('no such thing');
  });

  it('fails with a transient E_HTTP_STATUS on 500 and 429', async () => {
    const e500 = await failure({ url: `${base}/status?code=500` });
    expect(e500).toMatchObject({ code: 'E_HTTP_STATUS', transient: true });
    expect(e500.message).toMatch(/answered 500 Internal Server Error/);
    expect(await failure({ url: `${base}/status?code=429` })).toMatchObject({ code: 'E_HTTP_STATUS', transient: true });
  });

  it('accepts the status codes listed in expectStatus', async () => {
    const { result } = await call({ url: `${base}/status?code=404`, expectStatus: '2xx, 404' });
    expect((result.emit[0].data as any).response).toMatchObject({ status: 404, body: 'status 404 body' });
    const empty = await call({ url: `${base}/status?code=204` });
    expect((empty.result.emit[0].data as any).response).toMatchObject({ status: 204, body: '' });
    expect(httpRequest.params.safeParse({ expectStatus: 'ok' }).success).toBe(false);
    expect(statusMatches(302, '2xx,3xx')).toBe(true);
    expect(statusMatches(201, '200')).toBe(false);
  });

  it('fails with a transient E_HTTP_TIMEOUT when the answer takes too long', async () => {
    const started = performance.now();
    const err = await failure({ url: `${base}/slow`, timeoutMs: 150 });
    expect(err).toMatchObject({ code: 'E_HTTP_TIMEOUT', transient: true });
    expect(err.message).toMatch(/within 150 ms/);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('fails with a transient E_HTTP_NETWORK when the connection is refused', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await failure({ url: `http://127.0.0.1:${port}/x` });
    expect(err).toMatchObject({ code: 'E_HTTP_NETWORK', transient: true });
    expect(err.message).toMatch(/failed \(ECONNREFUSED\): the server refused the connection/);
  });

  it('rethrows an AbortError when the run is stopped during the request', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = performance.now();
    const err = await failureOf(() => call({ url: `${base}/slow`, timeoutMs: 30_000 }, {}, { signal: controller.signal }));
    expect(err.name).toBe('AbortError');
    expect(err).not.toBeInstanceOf(NodeError);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('fails with E_URL_INVALID for empty, malformed or non-web URLs', async () => {
    expect((await failure({ url: '{{ missing }}' })).message).toMatch(/The URL is empty/);
    expect(await failure({ url: 'not a url/{{ id }}' }, { id: 1 })).toMatchObject({ code: 'E_URL_INVALID', message: expect.stringContaining('"not a url/1"') });
    expect((await failure({ url: 'ftp://example.com/file' })).code).toBe('E_URL_INVALID');
  });

  it('fails with E_HTTP_REQUEST_INVALID for a body that is not JSON or a header value with a line break', async () => {
    const body = await failure({ method: 'POST', url: `${base}/echo`, body: '{"a": {{ a }}' }, { a: 1 });
    expect(body.code).toBe('E_HTTP_REQUEST_INVALID');
    expect(body.message).toMatch(/not valid JSON/);
    const header = await failure({ url: `${base}/echo`, headers: [{ name: 'X-Note', value: '{{ note }}' }] }, { note: 'a\r\nInjected: yes' });
    expect(header.code).toBe('E_HTTP_REQUEST_INVALID');
    expect(httpRequest.params.safeParse({ headers: [{ name: 'Bad Name', value: '' }] }).success).toBe(false);
  });

  it('sends an api_key credential in its header with its prefix, and passes the URL host for the scope check', async () => {
    const credentials = fakeCredentials([{ name: 'Acme', kind: 'api_key', fields: { header: 'X-Api-Key', prefix: 'Token ' }, secrets: { key: 'k-123456' } }]);
    const { result } = await call({ url: `${base}/headers`, credential: 'Acme' }, {}, { credentials });
    expect((result.emit[0].data as any).response.body.headers['x-api-key']).toBe('Token k-123456');
    expect(credentials.requests).toEqual([{ name: 'Acme', host: new URL(base).host, kind: ['basic', 'api_key'] }]);
  });

  it('sends a basic credential as Authorization: Basic, and follows redirects on the same site only', async () => {
    const credentials = fakeCredentials([{ name: 'Site', kind: 'basic', fields: { username: 'ada' }, secrets: { password: 'pa:ss word' } }]);
    const { result } = await call({ url: `${base}/hop`, credential: 'Site' }, {}, { credentials });
    const body = (result.emit[0].data as any).response.body;
    expect(body.headers.authorization).toBe(`Basic ${Buffer.from('ada:pa:ss word').toString('base64')}`);
    const away = await failure({ url: `${base}/away?port=${new URL(base).port}`, credential: 'Site' }, {}, { credentials });
    expect(away.code).toBe('E_HTTP_REDIRECT');
    expect(away.message).not.toContain('pa:ss word');
    expect(seen.filter((s) => s.url === '/headers' && s.headers.host?.startsWith('localhost'))).toHaveLength(0);
  });

  it('fails with the vault\'s error for an unknown credential, and refuses other kinds', async () => {
    const none = await failure({ url: `${base}/headers`, credential: 'Nope' }, {}, { credentials: fakeCredentials([]) });
    expect(none.code).toBe('E_CREDENTIAL_NOT_FOUND');
    const mail = fakeCredentials([{ name: 'Mail', kind: 'smtp', fields: {}, secrets: { password: 'xxxxxx' } }]);
    expect((await failure({ url: `${base}/headers`, credential: 'Mail' }, {}, { credentials: mail })).code).toBe('E_CREDENTIAL_KIND');
  });

  it('hides secrets of the URL in messages', () => {
    expect(displayUrl(new URL('https://user:pw@api.example.com/x?api_key=abc&page=2'))).toBe('https://user:***@api.example.com/x?api_key=***&page=2');
  });
});
