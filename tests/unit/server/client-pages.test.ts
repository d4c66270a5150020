import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../../../server/main.ts';

// The studio's pages (the built client) from a folder whose path has a hidden folder in it — a
// studio installed under ~/.local/share/… or ~/.apps/conveyor: every page answered 404 once
// (sendFile refuses an absolute path through a dotfile folder).
const root = mkdtempSync(path.join(os.tmpdir(), 'conveyor-pages-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the studio pages', () => {
  it('are served from a client folder under a hidden folder: any page address gets the app, its files are served', async () => {
    const clientDir = path.join(root, '.apps', 'conveyor', 'dist', 'client');
    mkdirSync(path.join(clientDir, 'assets'), { recursive: true });
    writeFileSync(path.join(clientDir, 'index.html'), '<!doctype html><title>Conveyor studio</title><div id="root"></div>');
    writeFileSync(path.join(clientDir, 'assets', 'app.js'), 'console.log(1)');
    const s = await startServer({ port: 0, host: '127.0.0.1', dataDir: path.join(root, 'data'), clientDir, log: false });
    try {
      for (const page of ['/', '/flows/flow_x', '/runs']) {
        const res = await fetch(s.url + page);
        expect([page, res.status, res.headers.get('cache-control')]).toEqual([page, 200, 'no-cache']);
        expect(await res.text()).toContain('<title>Conveyor studio</title>');
      }
      const asset = await fetch(`${s.url}/assets/app.js`);
      expect([asset.status, await asset.text()]).toEqual([200, 'console.log(1)']);
    } finally {
      await s.close();
    }
  });
});
