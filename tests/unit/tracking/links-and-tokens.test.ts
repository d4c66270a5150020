import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { signToken, verifyToken } from '../../../server/tracking/tokens.ts';
import { trackingKey } from '../../../server/tracking/signing-key.ts';
import { checkedTrackingKey, sharedTrackingKey } from '../../../server/tracking/key-check.ts';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import { TrackingService } from '../../../server/tracking/tracking-service.ts';
import type { ConveyorError } from '../../../server/errors.ts';
import { addOpenPixel, trackLinks } from '../../../nodes/mail/lib/tracking.ts';
import type { TrackingAccess } from '../../../nodes/sdk/services.ts';

const KEY = Buffer.alloc(32, 7);

describe('tracking tokens', () => {
  it('verify what was signed, of the kind asked, and nothing else', () => {
    const token = signToken(KEY, { k: 'c', r: 'run_1', i: 3, n: 'send', l: 0, u: 'https://shop.example/a?b=1' });
    expect(verifyToken(KEY, token, 'c')).toEqual({ k: 'c', r: 'run_1', i: 3, n: 'send', l: 0, u: 'https://shop.example/a?b=1' });
    const refused = (t: string, kind: 'c' | 'o' | 'u' = 'c', key = KEY) => {
      try {
        verifyToken(key, t, kind);
        return null;
      } catch (err) {
        return (err as { code: string; status: number });
      }
    };
    expect(refused(token, 'o')).toMatchObject({ code: 'E_TRACKING_TOKEN_INVALID', status: 400 });
    expect(refused(token, 'c', Buffer.alloc(32, 8))).toMatchObject({ code: 'E_TRACKING_TOKEN_INVALID' });
    const [body, sig] = token.split('.');
    const otherRecord = Buffer.from(Buffer.from(body, 'base64url').toString().replace('"i":3', '"i":4')).toString('base64url');
    expect(refused(`${otherRecord}.${sig}`)).toMatchObject({ code: 'E_TRACKING_TOKEN_INVALID' });
    expect(refused(`${body}.${sig}.x`)).not.toBeNull();
    expect(refused('x'.repeat(7000))).not.toBeNull();
    // A signed token whose target is not a web address is refused too (it could only come from a bug).
    const js = signToken(KEY, { k: 'c', r: 'run_1', i: 0, n: 'send', l: 0, u: 'https://x.example/' }).replace(/^[^.]+/, Buffer.from(JSON.stringify({ k: 'c', r: 'run_1', i: 0, n: 'send', l: 0, u: 'javascript:alert(1)' })).toString('base64url'));
    expect(refused(js)).not.toBeNull();
  });

  it('the key comes from a per-install secret made once, private, and stays the same', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-tracking-key-'));
    const first = await trackingKey(dir, {});
    expect(await trackingKey(dir, {})).toEqual(first);
    expect(statSync(path.join(dir, 'tracking.key')).mode & 0o077).toBe(0);
    // The secret, then its checksum (summed-line-file.ts).
    const text = readFileSync(path.join(dir, 'tracking.key'), 'utf8');
    expect(text).toMatch(/^[0-9a-f]{64}\nsha256:[0-9a-f]{64}\n$/);
    // The raw secret is never the key itself.
    expect(first.equals(Buffer.from(text.split('\n')[0], 'hex'))).toBe(false);
    // A digit changed: still 64 hexadecimal digits, but not the secret written — said as damage.
    writeFileSync(path.join(dir, 'tracking.key'), (text[0] === 'a' ? 'b' : 'a') + text.slice(1));
    await expect(trackingKey(dir, {})).rejects.toMatchObject({ code: 'E_TRACKING_SECRET_DAMAGED', message: expect.stringContaining('does not match the checksum') });
    writeFileSync(path.join(dir, 'tracking.key'), text);
    const fromEnv = await trackingKey(dir, { CONVEYOR_TRACKING_SECRET: 'a'.repeat(40) });
    expect(fromEnv.equals(first)).toBe(false);
    await expect(trackingKey(dir, { CONVEYOR_TRACKING_SECRET: 'short' })).rejects.toMatchObject({ code: 'E_TRACKING_SECRET_WEAK' });
    writeFileSync(path.join(dir, 'tracking.key'), 'damaged');
    await expect(trackingKey(dir, {})).rejects.toMatchObject({ code: 'E_TRACKING_SECRET_DAMAGED' });
  });

  it('a key other than the one the store has seen — tracking.key deleted, replaced, another CONVEYOR_TRACKING_SECRET — is refused at start, not replaced (links already mailed would break); accepted once when told', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-tracking-key-'));
    const store = await openSqlJsStore(path.join(dir, 'store'));
    try {
      const file = path.join(dir, 'tracking.key');
      const first = await checkedTrackingKey(dir, store, {});
      expect(await checkedTrackingKey(dir, store, {})).toEqual(first);
      const saved = readFileSync(file);

      rmSync(file);
      const gone = await checkedTrackingKey(dir, store, {}).catch((e: ConveyorError) => e);
      expect(gone).toMatchObject({ code: 'E_TRACKING_SECRET_CHANGED' });
      expect((gone as ConveyorError).message).toContain(`${file} is missing`);
      expect((gone as ConveyorError).hint).toContain('CONVEYOR_TRACKING_SECRET_CHANGED=accept');
      expect(existsSync(file)).toBe(false); // no new secret made

      writeFileSync(file, `${'ab'.repeat(32)}\n`);
      await expect(checkedTrackingKey(dir, store, {})).rejects.toMatchObject({ code: 'E_TRACKING_SECRET_CHANGED', message: expect.stringContaining('replaced or changed') });
      await expect(checkedTrackingKey(dir, store, { CONVEYOR_TRACKING_SECRET: 'b'.repeat(40) })).rejects.toMatchObject({ message: expect.stringContaining('CONVEYOR_TRACKING_SECRET is not the tracking secret used before') });

      writeFileSync(file, saved);
      expect(await checkedTrackingKey(dir, store, {})).toEqual(first);

      const warnings: string[] = [];
      rmSync(file);
      const next = await checkedTrackingKey(dir, store, { CONVEYOR_TRACKING_SECRET_CHANGED: 'accept' }, (l) => warnings.push(l));
      expect(next.equals(first)).toBe(false);
      expect(warnings.join()).toMatch(/links in mails sent before .* no longer work/);
      expect(await checkedTrackingKey(dir, store, {})).toEqual(next);
    } finally {
      await store.close();
    }
  });
  it('processes sharing a database (PostgreSQL): the first one\'s key is kept; one with another key starts but makes no link, and says why; accepted when told', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-tracking-shared-'));
    const store = await openSqlJsStore(path.join(dir, 'store'));
    try {
      const warnings: string[] = [];
      const secret = { CONVEYOR_TRACKING_SECRET: 's'.repeat(40) };
      const first = await sharedTrackingKey(path.join(dir, 'studio-a'), store, secret, (l) => warnings.push(l));
      expect(first.problem).toBeNull();
      expect((await sharedTrackingKey(path.join(dir, 'worker-1'), store, secret)).problem).toBeNull();
      // A studio started without the shared secret: its own tracking.key, not the database's.
      const own = await sharedTrackingKey(path.join(dir, 'studio-b'), store, {}, (l) => warnings.push(l));
      expect(own.problem).toMatch(/studio-b\/tracking\.key\) is not the one the other studios and workers of this database sign links with/);
      expect(warnings.join('\n')).toContain('Set CONVEYOR_TRACKING_SECRET to the same value on every studio and worker');
      const service = new TrackingService(store, own.key, 'https://studio.example', own.problem);
      const step = service.forStep({ runId: 'r', recordIndex: 0, nodeId: 'send' });
      expect(step.unavailable).toBe(own.problem);
      expect(() => step.unsubscribeUrl(['a@example.com'])).toThrow(/No tracked link/);
      // Told to go on with it: its key is kept from now on, the first one's refused.
      expect((await sharedTrackingKey(path.join(dir, 'studio-b'), store, { CONVEYOR_TRACKING_SECRET_CHANGED: 'accept' }, (l) => warnings.push(l))).problem).toBeNull();
      expect((await sharedTrackingKey(path.join(dir, 'studio-a'), store, secret, () => undefined)).problem).not.toBeNull();
    } finally {
      await store.close();
    }
  });
});

/** A TrackingAccess that shows which address and link each redirect was made for. */
const visible: TrackingAccess = {
  baseUrl: 'https://studio.example',
  clickUrl: (target, link) => `https://studio.example/t/c/${link}-${encodeURIComponent(target)}`,
  openUrl: () => 'https://studio.example/t/o/x.gif',
  unsubscribeUrl: () => 'https://studio.example/t/u/x',
  suppressed: async () => [],
};

describe('link rewriting', () => {
  it('rewrites http(s) anchors only, decodes &amp;, keeps quotes and everything around them', () => {
    const html = `<p>A <a class="btn" href="https://a.example/x?y=1&amp;z=2">one</a>, <A HREF='http://b.example/'>two</A>, <a href="mailto:m@e.example">mail</a>, <a href="#top">top</a>, <a name="n">no href</a>, <a href="https://studio.example/t/u/x">stop</a>.</p>`;
    const { html: out, links } = trackLinks(html, visible, (u) => u.startsWith('https://studio.example/t/u/'));
    expect(links).toEqual(['https://a.example/x?y=1&z=2', 'http://b.example/']);
    expect(out).toBe(
      `<p>A <a class="btn" href="https://studio.example/t/c/0-${encodeURIComponent('https://a.example/x?y=1&z=2')}">one</a>, <A HREF='https://studio.example/t/c/1-${encodeURIComponent('http://b.example/')}'>two</A>, <a href="mailto:m@e.example">mail</a>, <a href="#top">top</a>, <a name="n">no href</a>, <a href="https://studio.example/t/u/x">stop</a>.</p>`,
    );
  });

  it('puts the pixel before </body>, or at the end of a fragment', () => {
    expect(addOpenPixel('<html><body><p>x</p></BODY></html>', 'P')).toMatch(/<p>x<\/p><img src="P"[^>]*><\/BODY><\/html>$/);
    expect(addOpenPixel('<p>x</p>', 'P')).toMatch(/^<p>x<\/p><img src="P"/);
  });
});
