import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../server/support.ts';

/**
 * DNS rebinding against a studio with login off (no password, loopback): a page of evil.example
 * whose name is rebound to 127.0.0.1 sends `Host: evil.example:<port>` and a matching `Origin`, so
 * the Origin check passed and the page could read every flow and run and create or change anything.
 * With login off the API and the live socket answer only requests sent to a loopback name.
 */
let s: Awaited<ReturnType<typeof startTestServer>>;
let port = 0;
beforeAll(async () => {
  s = await startTestServer();
  port = Number(new URL(s.url).port);
});
afterAll(async () => s && (await s.close()));

function send(method: string, path: string, host: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { host, ...(body ? { origin: `http://${host}`, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) } : {}) };
    const req = request({ hostname: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('login off: requests sent to another name than this computer\'s', () => {
  it('are refused 403 E_HOST_FORBIDDEN, reading and changing nothing', async () => {
    const evil = `evil.example:${port}`;
    const before = (await s.api('GET', '/api/flows')).body.length;
    const read = await send('GET', '/api/flows', evil);
    expect(read.status).toBe(403);
    expect(JSON.parse(read.body).error).toMatchObject({ code: 'E_HOST_FORBIDDEN', hint: expect.stringContaining('set-password') });
    const write = await send('POST', '/api/flows', evil, JSON.stringify({ name: 'Rebound' }));
    expect([write.status, JSON.parse(write.body).error.code]).toEqual([403, 'E_HOST_FORBIDDEN']);
    expect((await s.api('GET', '/api/flows')).body.length).toBe(before);
    // The live socket's handshake too.
    expect((await send('GET', '/socket.io/?EIO=4&transport=polling', evil)).status).not.toBe(200);
    expect((await send('GET', '/metrics', evil)).status).toBe(401);
  });

  it('are answered when sent to localhost, 127.0.0.1 or [::1]', async () => {
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'LOCALHOST']) {
      expect([host, (await send('GET', '/api/flows', host)).status]).toEqual([host, 200]);
    }
    expect((await send('GET', '/socket.io/?EIO=4&transport=polling', `localhost:${port}`)).status).toBe(200);
  });
});
