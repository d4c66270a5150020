import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../../server/main.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface TestServer {
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Start with login on: the admin password hash (hashPassword in server/auth/password.ts). */
  passwordHash?: string;
}

/** The real studio (built client + API + Socket.IO) on a random port with a fresh data folder. */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const clientDir = path.join(ROOT, 'dist', 'client');
  if (!existsSync(path.join(clientDir, 'index.html'))) {
    throw new Error('The studio is not built (dist/client/index.html is missing): run "npx vite build" (npm test does it) before the end-to-end tests.');
  }
  const dataDir = await mkdtemp(path.join(tmpdir(), 'conveyor-e2e-'));
  // The test sites listen on 127.0.0.1: allowed for steps, as an administrator would (CONVEYOR_ALLOW_HOSTS).
  process.env.CONVEYOR_ALLOW_HOSTS ??= '127.0.0.1';
  const server = await startServer({ port: 0, host: '127.0.0.1', dataDir, log: false, ...(opts.passwordHash ? { auth: { passwordHash: opts.passwordHash } } : {}) });
  return {
    url: server.url,
    dataDir,
    async close() {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
