import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io as connect, type Socket } from 'socket.io-client';
import { startServer, type RunningServer } from '../../../server/main.ts';
import { hashPassword, verifyPassword, isPasswordHash } from '../../../server/auth/password.ts';
import { readAdminPassword, writeAdminPasswordHash } from '../../../server/auth/admin-password.ts';
import { isForeignOrigin } from '../../../server/auth/csrf.ts';
import { AccountLoginLimiter } from '../../../server/auth/rate-limit.ts';
import { listRoutes, scoringFlow } from '../server/support.ts';

const PASSWORD = 'correct horse battery staple';
const tmp = (prefix = 'conveyor-auth-') => mkdtempSync(path.join(os.tmpdir(), prefix));

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

/** A client of one server: keeps the session cookie and CSRF token it is given, like a browser. */
function client(base: string) {
  const c = {
    cookie: '',
    csrf: '',
    async call(method: string, url: string, body?: unknown, opts: { csrf?: boolean; headers?: Record<string, string> } = {}): Promise<Answer> {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (c.cookie) headers.cookie = c.cookie;
      if (c.csrf && opts.csrf !== false) headers['x-csrf-token'] = c.csrf;
      const res = await fetch(base + url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        /* not JSON */
      }
      const set = res.headers.get('set-cookie');
      if (set) c.cookie = set.split(';')[0].endsWith('=') ? '' : set.split(';')[0];
      if (parsed && typeof parsed === 'object' && 'csrfToken' in parsed) c.csrf = String((parsed as { csrfToken: string }).csrfToken);
      return { status: res.status, body: parsed, headers: res.headers };
    },
    login(password = PASSWORD) {
      return c.call('POST', '/api/auth/login', { password });
    },
  };
  return c;
}

/** Resolves 'connected' or the connect_error; never retries. */
function trySocket(base: string, headers: Record<string, string>, transport: 'websocket' | 'polling' = 'websocket'): Promise<{ socket: Socket; result: 'connected' | Error & { data?: any } }> {
  const socket = connect(base, { transports: [transport], extraHeaders: headers, reconnection: false, forceNew: true, timeout: 5000 });
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ socket, result: 'connected' }));
    socket.once('connect_error', (err) => resolve({ socket, result: err }));
  });
}

let hash: string;
let server: RunningServer;
let dataDir: string;
const cleanups: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  hash = await hashPassword(PASSWORD);
  dataDir = tmp();
  server = await startServer({ port: 0, host: '127.0.0.1', dataDir, clientDir: path.join(dataDir, 'no-client'), auth: { passwordHash: hash } });
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('passwords', () => {
  it('hashes with scrypt and a random salt as scrypt$N$r$p$salt$hash, verifies, and never matches a malformed hash', async () => {
    expect(hash).toMatch(/^scrypt\$32768\$8\$3\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    const again = await hashPassword(PASSWORD);
    expect(again).not.toBe(hash); // another salt
    expect(await verifyPassword(PASSWORD, hash)).toBe(true);
    expect(await verifyPassword(PASSWORD, again)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
    expect(await verifyPassword(PASSWORD, 'plain-text')).toBe(false);
    expect(await verifyPassword(PASSWORD, hash.replace('$32768$', '$1073741824$'))).toBe(false); // absurd cost: refused, not computed
    expect(isPasswordHash(hash.replace('$32768$', '$1000$'))).toBe(false); // N not a power of two
    expect(await verifyPassword('x'.repeat(5000), hash)).toBe(false);
  });
});

describe('login on (a password is configured)', () => {
  it('answers 401 E_AUTH_REQUIRED to unauthenticated REST calls, and keeps /api/health and /api/auth/status open', async () => {
    const anon = client(server.url);
    for (const [method, url] of [['GET', '/api/flows'], ['GET', '/api/runs'], ['GET', '/api/node-types'], ['GET', '/api/review'], ['POST', '/api/flows'], ['DELETE', '/api/flows/x'], ['GET', '/api/nope']] as const) {
      const r = await anon.call(method, url, method === 'POST' ? { name: 'x' } : undefined);
      expect(r.status, `${method} ${url}`).toBe(401);
      expect(r.body.error.code).toBe('E_AUTH_REQUIRED');
    }
    expect((await anon.call('GET', '/api/health')).body.ok).toBe(true);
    expect((await anon.call('GET', '/api/auth/status')).body).toEqual({ required: true, authenticated: false, setupNeeded: false });
    // A forged cookie is no session.
    anon.cookie = 'conveyor_session=' + 'A'.repeat(43);
    expect((await anon.call('GET', '/api/flows')).status).toBe(401);
  });

  it('refuses an unauthenticated upload before reading it: nothing is written', async () => {
    const res = await fetch(`${server.url}/api/uploads?name=people.csv`, { method: 'POST', body: 'name\nAda\n' });
    expect(res.status).toBe(401);
    expect(existsSync(path.join(dataDir, 'uploads')) ? readdirSync(path.join(dataDir, 'uploads')) : []).toEqual([]);
  });

  it('answers a wrong password with 401 E_LOGIN_FAILED and no cookie', async () => {
    const c = client(server.url);
    const r = await c.login('wrong password');
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('E_LOGIN_FAILED');
    expect(r.headers.get('set-cookie')).toBeNull();
    expect((await c.call('POST', '/api/auth/login', { nope: 1 })).body.error.code).toBe('E_BODY_INVALID');
  });

  it('signs in with the right password: HttpOnly SameSite=Strict session cookie, status with a CSRF token', async () => {
    const c = client(server.url);
    const r = await c.login();
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ required: true, authenticated: true, setupNeeded: false });
    expect(r.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const cookie = r.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^conveyor_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/Secure/); // plain http here; over https (or a trusted proxy's X-Forwarded-Proto) it is Secure
    expect((await c.call('GET', '/api/flows')).status).toBe(200);
    const status = await c.call('GET', '/api/auth/status');
    expect(status.body).toEqual({ required: true, authenticated: true, csrfToken: r.body.csrfToken, setupNeeded: false });
  });

  it('guards every route Express lists (a route added later too): no session, 401; a change without its CSRF token, 403 E_CSRF — but the public ones', async () => {
    // Open by design (docs/security.md): health and sign-in, hooks (their signature), tracked mail's links, metrics (its own token).
    const PUBLIC = [/^\/api\/health$/, /^\/api\/auth\//, /^\/hooks\//, /^\/t\//, /^\/metrics$/];
    const routes = listRoutes(server.app);
    const guarded = routes.filter((r) => !PUBLIC.some((p) => p.test(r.path)));
    expect(guarded.length).toBeGreaterThan(50);
    const anon = client(server.url);
    const signedIn = client(server.url);
    await signedIn.login();
    for (const { method, path: route } of guarded) {
      const url = route.replace(/:(\w+)/g, 'x');
      const body = method === 'GET' || method === 'DELETE' ? undefined : {};
      const r = await anon.call(method, url, body);
      expect([r.status, r.body?.error?.code], `${method} ${route} without a session`).toEqual([401, 'E_AUTH_REQUIRED']);
      if (method === 'GET') continue;
      const c = await signedIn.call(method, url, body, { csrf: false });
      expect([c.status, c.body?.error?.code], `${method} ${route} without the CSRF token`).toEqual([403, 'E_CSRF']);
    }
    // Metrics: neither a session nor its token, nothing.
    expect((await anon.call('GET', '/metrics')).status).toBe(401);
  });

  it('refuses state-changing requests without the session CSRF token (403 E_CSRF) and takes them with it', async () => {
    const c = client(server.url);
    await c.login();
    const before = (await c.call('GET', '/api/flows')).body.length;
    const without = await c.call('POST', '/api/flows', { name: 'No token' }, { csrf: false });
    expect(without.status).toBe(403);
    expect(without.body.error.code).toBe('E_CSRF');
    const wrong = await c.call('POST', '/api/flows', { name: 'Wrong token' }, { csrf: false, headers: { 'x-csrf-token': 'x'.repeat(43) } });
    expect(wrong.status).toBe(403);
    const other = client(server.url);
    await other.login();
    const foreign = await c.call('POST', '/api/flows', { name: 'Token of another session' }, { csrf: false, headers: { 'x-csrf-token': other.csrf } });
    expect(foreign.body.error.code).toBe('E_CSRF');
    for (const [method, url] of [['PUT', '/api/flows/x'], ['PATCH', '/api/flows/x'], ['DELETE', '/api/flows/x'], ['POST', '/api/flows/import']] as const) {
      expect((await c.call(method, url, method === 'DELETE' ? undefined : {}, { csrf: false })).body.error.code, `${method} ${url}`).toBe('E_CSRF');
    }
    expect((await c.call('GET', '/api/flows')).body.length).toBe(before);
    const ok = await c.call('POST', '/api/flows', { name: 'With token' });
    expect(ok.status).toBe(201);
    const imported = await c.call('POST', '/api/flows/import', scoringFlow('flow_auth'));
    expect(imported.status).toBe(201);
    expect((await c.call('DELETE', `/api/flows/${ok.body.id}`)).status).toBe(204);
  });

  it('refuses a Socket.IO connection without the session cookie and accepts it with one (run:join works)', async () => {
    const anon = await trySocket(server.url, {});
    cleanups.push(() => void anon.socket.close());
    expect(anon.result).toBeInstanceOf(Error);
    expect((anon.result as Error & { data?: any }).data?.code).toBe('E_AUTH_REQUIRED');
    const forged = await trySocket(server.url, { cookie: 'conveyor_session=forged' }, 'polling');
    cleanups.push(() => void forged.socket.close());
    expect(forged.result).toBeInstanceOf(Error);

    const c = client(server.url);
    await c.login();
    const flow = (await c.call('POST', '/api/flows/import', scoringFlow('flow_live_auth'))).body;
    const run = (await c.call('POST', '/api/runs', { flowId: flow.id, input: { records: [{ n: 9 }, { n: 1 }] } })).body;
    const ok = await trySocket(server.url, { cookie: c.cookie });
    cleanups.push(() => void ok.socket.close());
    expect(ok.result).toBe('connected');
    const update = new Promise<any>((resolve) => ok.socket.on('run:update', (u) => u.final && resolve(u)));
    ok.socket.emit('run:join', run.id);
    expect(await update).toMatchObject({ runId: run.id, final: true, counts: { success: 1, needs_review: 1 } });
  });

  it('signs out: the session ends for REST and Socket.IO, and the cookie is cleared', async () => {
    const c = client(server.url);
    await c.login();
    const cookie = c.cookie;
    const live = await trySocket(server.url, { cookie });
    cleanups.push(() => void live.socket.close());
    expect(live.result).toBe('connected');
    // Kept from now on: the server's periodic recheck may refuse the socket (and close it) before it asks.
    const refusals: Array<{ code?: string }> = [];
    live.socket.on('run:error', (e) => refusals.push(e));
    expect((await c.call('POST', '/api/auth/logout', {}, { csrf: false })).body.error.code).toBe('E_CSRF'); // a forced sign-out needs the token too
    const out = await c.call('POST', '/api/auth/logout', {});
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^conveyor_session=; .*Max-Age=0/);
    const stale = client(server.url);
    stale.cookie = cookie;
    expect((await stale.call('GET', '/api/flows')).status).toBe(401);
    expect((await stale.call('GET', '/api/auth/status')).body.authenticated).toBe(false);
    const again = await trySocket(server.url, { cookie });
    cleanups.push(() => void again.socket.close());
    expect(again.result).toBeInstanceOf(Error);
    // The socket opened before the sign-out cannot join a run any more: refused when it asks, unless
    // the server's recheck already refused and closed it (the error comes before the close either way).
    if (live.socket.connected) {
      const answered = new Promise<void>((resolve) => {
        live.socket.once('run:error', () => resolve());
        live.socket.once('disconnect', () => resolve());
      });
      live.socket.emit('run:join', 'run_any');
      await answered;
    }
    expect(refusals.map((e) => e.code)).toContain('E_AUTH_REQUIRED');
  });

  it('closes a socket within seconds once its session ends, without any message from the client', async () => {
    const c = client(server.url);
    await c.login();
    const live = await trySocket(server.url, { cookie: c.cookie });
    cleanups.push(() => void live.socket.close());
    expect(live.result).toBe('connected');
    const closed = new Promise<string>((resolve) => live.socket.once('disconnect', resolve));
    await c.call('POST', '/api/auth/logout', {});
    expect(await closed).toBe('io server disconnect');
  }, 15_000);

  it('limits login attempts per address: after 5 failures 429 E_LOGIN_RATE_LIMITED with Retry-After, even for the right password', async () => {
    const dir = tmp();
    const s = await startServer({ port: 0, host: '127.0.0.1', dataDir: dir, clientDir: path.join(dir, 'no-client'), auth: { passwordHash: hash } });
    cleanups.push(async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const c = client(s.url);
    for (let i = 0; i < 5; i++) expect((await c.login(`guess ${i}`)).body.error.code).toBe('E_LOGIN_FAILED');
    const limited = await c.login('guess 6');
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('E_LOGIN_RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    const right = await c.login();
    expect(right.status).toBe(429);
    expect(right.headers.get('set-cookie')).toBeNull();
    // A burst of parallel guesses is counted as it starts, not only when the checks end.
    const burstDir = tmp();
    const t = await startServer({ port: 0, host: '127.0.0.1', dataDir: burstDir, clientDir: path.join(burstDir, 'no-client'), auth: { passwordHash: hash } });
    cleanups.push(async () => {
      await t.close();
      rmSync(burstDir, { recursive: true, force: true });
    });
    const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => client(t.url).login(`burst ${i}`)));
    expect(burst.filter((r) => r.status === 401).length).toBe(5);
    expect(burst.filter((r) => r.status === 429).length).toBe(7);
  });
});

describe('login limit per account', () => {
  it('guesses spread over 20 addresses meet the account limit: after 10 failures 429 E_LOGIN_RATE_LIMITED, even for the right password', async () => {
    const dir = tmp();
    // Behind a (local) proxy each guess comes from another address; a long first delay keeps the test free of timing.
    const s = await startServer({ port: 0, host: '127.0.0.1', dataDir: dir, clientDir: path.join(dir, 'no-client'), trustProxy: true, auth: { passwordHash: hash, loginLimit: { account: { baseDelayMs: 60_000 } } } });
    cleanups.push(async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const from = (i: number, password: string) => client(s.url).call('POST', '/api/auth/login', { password }, { headers: { 'x-forwarded-for': `198.51.100.${i}` } });
    const answers = [];
    for (let i = 0; i < 12; i++) answers.push(await from(i % 20, `guess ${i}`));
    expect(answers.slice(0, 10).map((a) => a.status)).toEqual(Array(10).fill(401));
    expect(answers.slice(10).map((a) => a.status)).toEqual([429, 429]); // from the 11th on: wait
    const limited = answers[10]!;
    expect((limited.body as any).error.code).toBe('E_LOGIN_RATE_LIMITED');
    expect((limited.body as any).error.message).toMatch(/this account/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(50);
    const right = await from(19, PASSWORD); // a fresh address, the right password: still waits
    expect(right.status).toBe(429);
    expect(right.headers.get('set-cookie')).toBeNull();
  });

  it('the delay grows with every further failure and a successful sign-in clears it', () => {
    let now = 0;
    const limiter = new AccountLoginLimiter({ now: () => now });
    for (let i = 0; i < 10; i++) expect(limiter.attempt().ok).toBe(true);
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const refused = limiter.attempt();
      expect(refused.ok).toBe(false);
      waits.push((refused as { retryAfterSeconds: number }).retryAfterSeconds);
      now += waits[i]! * 1000;
      expect(limiter.attempt().ok).toBe(true);
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32]);
    expect(limiter.delayAfter(40)).toBe(15 * 60_000);
    limiter.reset();
    expect(limiter.attempt().ok).toBe(true);
  });
});

describe('binding, headers and origins', () => {
  it('refuses to listen on a non-loopback address without a password (E_AUTH_REQUIRED), and listens with one', async () => {
    const dir = tmp();
    const prev = process.env.CONVEYOR_ADMIN_PASSWORD_HASH;
    delete process.env.CONVEYOR_ADMIN_PASSWORD_HASH;
    try {
      await expect(startServer({ port: 0, host: '0.0.0.0', dataDir: dir })).rejects.toMatchObject({ code: 'E_AUTH_REQUIRED', hint: expect.stringContaining('npx conveyor set-password') });
      await expect(startServer({ port: 0, host: '::', dataDir: dir })).rejects.toMatchObject({ code: 'E_AUTH_REQUIRED' });
    } finally {
      if (prev !== undefined) process.env.CONVEYOR_ADMIN_PASSWORD_HASH = prev;
    }
    const s = await startServer({ port: 0, host: '0.0.0.0', dataDir: dir, clientDir: path.join(dir, 'no-client'), auth: { passwordHash: hash } });
    try {
      const port = new URL(s.url).port;
      expect((await client(`http://127.0.0.1:${port}`).call('GET', '/api/flows')).status).toBe(401);
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
    await expect(startServer({ port: 0, host: '127.0.0.1', dataDir: dir, auth: { passwordHash: 'not-a-hash' } })).rejects.toMatchObject({ code: 'E_PASSWORD_HASH_INVALID' });
    expect(existsSync(dir)).toBe(false); // refused before the data directory is even opened
  });

  it('sends the security headers on pages and API answers', async () => {
    for (const url of ['/api/health', '/api/flows', '/', '/flows/x']) {
      const res = await fetch(server.url + url);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, url).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
    expect((await fetch(server.url + '/api/health')).headers.get('cache-control')).toBe('no-store');
  });

  it('never sends CORS headers, and refuses state-changing requests and sockets from another origin', async () => {
    const evil = { origin: 'http://evil.example' };
    const get = await fetch(server.url + '/api/health', { headers: evil });
    const preflight = await fetch(server.url + '/api/flows', { method: 'OPTIONS', headers: { ...evil, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-csrf-token' } });
    const c = client(server.url);
    await c.login();
    const post = await c.call('POST', '/api/flows', { name: 'Cross-site' }, { headers: evil });
    for (const res of [get, preflight, { headers: post.headers }]) {
      expect([...res.headers.keys()].filter((k) => k.startsWith('access-control-'))).toEqual([]);
    }
    expect(post.status).toBe(403);
    expect(post.body.error.code).toBe('E_ORIGIN_FORBIDDEN');
    // The studio's own origin is fine.
    expect((await c.call('POST', '/api/flows', { name: 'Same origin' }, { headers: { origin: server.url } })).status).toBe(201);
    const sock = await trySocket(server.url, { ...evil, cookie: c.cookie }, 'polling');
    cleanups.push(() => void sock.socket.close());
    expect(sock.result).toBeInstanceOf(Error);
    const wsSock = await trySocket(server.url, { ...evil, cookie: c.cookie });
    cleanups.push(() => void wsSock.socket.close());
    expect(wsSock.result).toBeInstanceOf(Error);
    const ownOrigin = await trySocket(server.url, { origin: server.url, cookie: c.cookie });
    cleanups.push(() => void ownOrigin.socket.close());
    expect(ownOrigin.result).toBe('connected');
  });

  it('compares an Origin with the Host (or a proxy\'s X-Forwarded-Host), default ports included', () => {
    const req = (headers: Record<string, string>) => ({ headers }) as never;
    expect(isForeignOrigin(req({ host: '127.0.0.1:3000' }))).toBe(false);
    expect(isForeignOrigin(req({ host: '127.0.0.1:3000', origin: 'http://127.0.0.1:3000' }))).toBe(false);
    expect(isForeignOrigin(req({ host: 'studio.example', origin: 'https://studio.example' }))).toBe(false);
    expect(isForeignOrigin(req({ host: 'studio.example:443', origin: 'https://studio.example' }))).toBe(false);
    expect(isForeignOrigin(req({ host: '127.0.0.1:3000', 'x-forwarded-host': 'studio.example', origin: 'https://studio.example' }))).toBe(false);
    expect(isForeignOrigin(req({ host: '[::1]:3000', origin: 'http://[::1]:3000' }))).toBe(false);
    expect(isForeignOrigin(req({ host: '127.0.0.1:3000', origin: 'http://127.0.0.1:3001' }))).toBe(true);
    expect(isForeignOrigin(req({ host: '127.0.0.1:3000', origin: 'http://localhost:3000' }))).toBe(true);
    expect(isForeignOrigin(req({ host: 'studio.example', origin: 'https://studio.example.evil.example' }))).toBe(true);
    expect(isForeignOrigin(req({ host: 'studio.example', origin: 'null' }))).toBe(true);
    expect(isForeignOrigin(req({ origin: 'http://evil.example' }))).toBe(true);
  });
});

describe('first-run setup and set-password', () => {
  it('login off on loopback without a password; setup from this machine sets one (0600 file) and turns login on', async () => {
    const dir = tmp();
    const s = await startServer({ port: 0, host: '127.0.0.1', dataDir: dir, clientDir: path.join(dir, 'no-client') });
    cleanups.push(async () => {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const c = client(s.url);
    expect((await c.call('GET', '/api/auth/status')).body).toEqual({ required: false, authenticated: false, setupNeeded: true });
    expect((await c.call('GET', '/api/flows')).status).toBe(200); // login off: the studio works as before
    expect((await c.call('POST', '/api/flows', { name: 'Before' })).status).toBe(201);
    expect((await c.login()).body.error.code).toBe('E_AUTH_NOT_CONFIGURED');
    expect((await c.call('POST', '/api/auth/setup', { password: 'short' })).body.error.code).toBe('E_PASSWORD_INVALID');
    const proxied = await c.call('POST', '/api/auth/setup', { password: PASSWORD }, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(proxied.status).toBe(403);
    expect(proxied.body.error.code).toBe('E_SETUP_NOT_ALLOWED');
    expect((await c.call('GET', '/api/auth/status', undefined, { headers: { 'x-forwarded-for': '203.0.113.9' } })).body.setupNeeded).toBe(false);

    const setup = await c.call('POST', '/api/auth/setup', { password: PASSWORD });
    expect(setup.status).toBe(201);
    expect(setup.body).toMatchObject({ required: true, authenticated: true });
    const file = path.join(dir, 'admin-password');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toMatch(/^scrypt\$/);
    expect(readFileSync(file, 'utf8')).not.toContain(PASSWORD);
    expect((await c.call('GET', '/api/flows')).status).toBe(200);
    expect((await client(s.url).call('GET', '/api/flows')).status).toBe(401);
    expect((await c.call('POST', '/api/auth/setup', { password: 'another password' })).body.error.code).toBe('E_SETUP_NOT_ALLOWED');
  });

  it('a damaged admin-password file stops the start saying so (never a lock-out without a word, never a studio without login)', async () => {
    const dir = tmp();
    try {
      const file = await writeAdminPasswordHash(dir, hash);
      expect(readFileSync(file, 'utf8').split('\n')[1]).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(await readAdminPassword(dir, {})).toEqual({ hash, source: 'file' });
      // A letter of the hash changed: still shaped like a hash, but not the one written.
      const text = readFileSync(file, 'utf8');
      const at = text.indexOf('$', 20) + 3;
      writeFileSync(file, text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1));
      await expect(readAdminPassword(dir, {})).rejects.toMatchObject({ code: 'E_PASSWORD_FILE_DAMAGED', message: expect.stringContaining('does not match the checksum') });
      // Emptied (a truncation): on a loopback address this started the studio without login.
      writeFileSync(file, '');
      await expect(startServer({ port: 0, host: '127.0.0.1', dataDir: dir, clientDir: path.join(dir, 'no-client') })).rejects.toMatchObject({ code: 'E_PASSWORD_FILE_DAMAGED', message: expect.stringContaining('it is empty') });
      // A file written before the checksum line (the hash alone) is read as it was.
      writeFileSync(file, `${hash}\n`);
      expect(await readAdminPassword(dir, {})).toEqual({ hash, source: 'file' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('`conveyor set-password` reads the password from stdin and writes the hash the server then requires', async () => {
    const dir = tmp();
    const r = spawnSync(process.execPath, ['bin/conveyor.js', 'set-password', '--data-dir', dir], { input: `${PASSWORD}\n`, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('admin-password');
    expect(statSync(path.join(dir, 'admin-password')).mode & 0o777).toBe(0o600);
    const short = spawnSync(process.execPath, ['bin/conveyor.js', 'set-password', '--data-dir', dir], { input: 'short\n', encoding: 'utf8', timeout: 60_000 });
    expect(short.status).toBe(2);
    expect(short.stderr).toContain('E_PASSWORD_INVALID');
    const s = await startServer({ port: 0, host: '0.0.0.0', dataDir: dir, clientDir: path.join(dir, 'no-client') });
    try {
      const c = client(`http://127.0.0.1:${new URL(s.url).port}`);
      expect((await c.call('GET', '/api/auth/status')).body.required).toBe(true);
      expect((await c.login()).status).toBe(200);
    } finally {
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
