import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openConveyor, defaultDataDir, type Conveyor } from './conveyor.ts';
import { createApp } from './http/app.ts';
import { attachRunRooms } from './realtime/run-rooms.ts';
import { ConveyorError } from './errors.ts';

export interface ServerOptions {
  port?: number;
  host?: string;
  dataDir?: string;
  clientDir?: string;
  log?: boolean;
}

export interface RunningServer {
  url: string;
  conveyor: Conveyor;
  close(): Promise<void>;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The studio: built client, REST API and Socket.IO from one process. */
export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const host = opts.host ?? process.env.HOST ?? '127.0.0.1';
  const port = opts.port ?? Number(process.env.PORT ?? 3000);
  assertLoopback(host);
  const conveyor = await openConveyor(opts.dataDir ?? defaultDataDir());
  const app = createApp(conveyor, opts.clientDir ?? path.join(ROOT, 'dist', 'client'));
  const http = createServer(app);
  const rooms = attachRunRooms(http, conveyor.engine);
  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, host, () => resolve());
    });
  } catch (err) {
    await rooms.close().catch(() => undefined);
    await conveyor.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new ConveyorError('E_PORT_IN_USE', `Port ${port} on ${host} is already in use.`, 'Stop the other program or start Conveyor with another PORT, e.g. PORT=3001 npm start.', 409);
    }
    throw err;
  }
  const address = http.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  if (opts.log) console.log(`Conveyor studio at ${url} (data in ${conveyor.dataDir})`);
  let closing: Promise<void> | null = null;
  return {
    url,
    conveyor,
    close() {
      closing ??= (async () => {
        http.closeAllConnections();
        await rooms.close();
        await conveyor.close();
      })();
      return closing;
    },
  };
}

/** Until authentication exists (SPEC §7), the studio only listens where strangers cannot reach it. */
function assertLoopback(host: string): void {
  const loopback = host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  if (!loopback) {
    throw new ConveyorError('E_BIND_NOT_ALLOWED', `Refusing to listen on ${host}: the studio has no login yet, so anyone who can reach that address could run flows.`, 'Use HOST=127.0.0.1 (the default) and reach it through an SSH tunnel or a reverse proxy with authentication.', 1);
  }
}
