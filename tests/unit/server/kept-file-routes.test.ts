import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEPT_FILES_DIR } from '../../../server/store/kept-files.ts';
import { MAX_KEPT_FILE_BYTES } from '../../../nodes/sdk/kept-file.ts';
import { startTestServer } from './support.ts';

/** POST /api/kept-files: a file chosen in a step's form, kept by the studio; what it answers is the step's param. */
describe('POST /api/kept-files', () => {
  let s: Awaited<ReturnType<typeof startTestServer>>;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(async () => {
    await s?.close();
  });

  const keep = (query: string, body: Uint8Array, headers: Record<string, string> = {}) =>
    fetch(`${s.url}/api/kept-files${query}`, { method: 'POST', headers: { origin: s.url, 'content-type': 'application/pdf', ...headers }, body: new Uint8Array(body) });

  it('keeps any file by its SHA-256 and answers name, type, size and SHA-256', async () => {
    const bytes = Buffer.from([0x25, 0x50, 0x44, 0x46, 0, 0xff, 0x80]);
    const res = await keep(`?name=${encodeURIComponent('C:\\Users\\ada\\CV Ada.pdf')}`, bytes);
    expect(res.status).toBe(201);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect(await res.json()).toEqual({ name: 'CV Ada.pdf', type: 'application/pdf', size: 7, sha256 });
    expect(readFileSync(path.join(s.dataDir, KEPT_FILES_DIR, sha256)).equals(bytes)).toBe(true);
    // No type told (or the generic one): none kept — the file name's extension decides when attached.
    expect((await (await keep('?name=notes.txt', Buffer.from('hi'), { 'content-type': 'application/octet-stream' })).json()).type).toBe('');
  });

  it('refuses a file over 10 MB, a compressed body and a name that is no file name, saying why', async () => {
    const big = await keep('?name=big.pdf', Buffer.alloc(MAX_KEPT_FILE_BYTES + 1));
    expect(big.status).toBe(413);
    expect((await big.json()).error).toMatchObject({ code: 'E_BODY_TOO_LARGE', message: expect.stringContaining('larger than 10 MB') });
    const zipped = await keep('?name=cv.pdf', Buffer.from('x'), { 'content-encoding': 'gzip' });
    expect(zipped.status).toBe(415);
    expect((await zipped.json()).error.code).toBe('E_BODY_INVALID');
    for (const name of ['..', '%0A', '']) {
      const bad = await keep(`?name=${name}`, Buffer.from('x'));
      expect(bad.status, name).toBe(400);
      expect((await bad.json()).error.code, name).toMatch(/^E_(BODY|QUERY)_INVALID$/);
    }
  });
});
