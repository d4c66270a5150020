import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Express } from 'express';
import { fileURLToPath } from 'node:url';
import { openConveyor, defaultDataDir, type Conveyor } from './conveyor.ts';
import { storeChoice } from './store/open-store.ts';
import { executeSetting } from './worker/execute-setting.ts';
import { relayEvents } from './worker/event-relay.ts';
import { openPgSessions } from './auth/pg-sessions.ts';
import { createApp } from './http/app.ts';
import { attachRunRooms } from './realtime/run-rooms.ts';
import { WorkerProgress } from './realtime/worker-progress.ts';
import { cleanTempFiles } from './http/upload-routes.ts';
import { ConveyorError } from './errors.ts';
import { Auth, isLoopbackHost } from './auth/auth.ts';
import { readAdminPassword } from './auth/admin-password.ts';
import { isPasswordHash } from './auth/password.ts';
import { isForeignOrigin } from './auth/csrf.ts';
import { markStudioPort } from '../nodes/sdk/network.ts';
import { createLogger, logFormatFrom, routeConsole, type LogFormat, type Logger } from './logging/logger.ts';
import { mirrorRunLogs } from './logging/run-log-mirror.ts';

export interface ServerOptions {
  port?: number;
  host?: string;
  dataDir?: string;
  clientDir?: string;
  log?: boolean;
  /**
   * Login (SPEC §7). `passwordHash` (as written by `conveyor set-password`) is used instead of
   * CONVEYOR_ADMIN_PASSWORD_HASH and DATA_DIR/admin-password; `loginLimit` changes the login rate
   * limit (default 5 attempts a minute per address). Tests use both.
   */
  auth?: { passwordHash?: string; loginLimit?: { max?: number; windowMs?: number; account?: { free?: number; baseDelayMs?: number; maxDelayMs?: number } } };
  /** Trust X-Forwarded-For/-Proto from a reverse proxy on this machine (default: env CONVEYOR_TRUST_PROXY=1). */
  trustProxy?: boolean;
  /**
   * The log's format (default: LOG_FORMAT, else text): `json` writes one JSON object a line (pino)
   * for the server's own lines, the runs' log lines and everything written to the console.
   */
  logFormat?: LogFormat;
  /** Where the log goes (tests; default stdout/stderr). */
  logDestination?: NodeJS.WritableStream;
}

export interface RunningServer {
  url: string;
  conveyor: Conveyor;
  /** The Express app (its routes: `app.router.listRoutes()`; tests probe every one). */
  app: Express;
  close(): Promise<void>;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The studio: built client, REST API and Socket.IO from one process. */
export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const host = opts.host ?? process.env.HOST ?? '127.0.0.1';
  const port = opts.port ?? Number(process.env.PORT ?? 3000);
  const dataDir = path.resolve(opts.dataDir ?? defaultDataDir());
  const passwordHash = await configuredPasswordHash(opts, dataDir);
  assertBindAllowed(host, passwordHash !== null);
  const logger: Logger | null = opts.log ? createLogger({ format: opts.logFormat ?? logFormatFrom([]), destination: opts.logDestination }) : null;
  // JSON logs: every line of the process is JSON, also what other parts write to the console.
  const restoreConsole = logger?.format === 'json' ? routeConsole(logger) : () => undefined;
  const choice = storeChoice();
  const execute = executeSetting(choice);
  const conveyor = await openConveyor(dataDir, { schedules: { log: logger ? (line) => logger.info(line) : undefined }, execute });
  const stopMirror = logger?.format === 'json' ? mirrorRunLogs(conveyor.engine, logger) : () => undefined;
  if (logger) conveyor.monitoring.useLog(logger);
  // Half-written uploads of a studio that was killed (DATA_DIR/tmp): removed, with a log line.
  await cleanTempFiles(conveyor.dataDir);
  const auth = new Auth({ passwordHash, dataDir: conveyor.dataDir, loginLimit: opts.auth?.loginLimit });
  // On PostgreSQL, sessions are kept in the database: a restart keeps people signed in.
  const sessions = choice.kind === 'postgres' ? await openPgSessions(choice.url) : null;
  if (sessions) {
    auth.sessions.persistTo(sessions.persistence, sessions.saved);
    // Beside other studios (a load balancer): sessions made or ended on them hold here too.
    await sessions.follow(auth.sessions);
  }
  const trustProxy = opts.trustProxy ?? /^(1|true|yes)$/i.test(process.env.CONVEYOR_TRUST_PROXY ?? '');
  const app = createApp(conveyor, opts.clientDir ?? path.join(ROOT, 'dist', 'client'), { auth, trustProxy });
  const http = createServer(app);
  // Beside workers, what their engines do reaches this studio's rooms (server/worker/event-relay.ts),
  // with the steps they have under way for the canvas's "in progress" counters.
  const relayed = !execute && choice.kind === 'postgres';
  const progress = relayed ? new WorkerProgress() : null;
  const rooms = attachRunRooms(http, conveyor.engine, { authorize: (req) => auth.allows(req, false), allowRequest: (req) => !isForeignOrigin(req) && auth.hostAllowed(req), elsewhere: progress ? (runId) => progress.totals(runId) : undefined });
  const stopRelay = relayed && choice.kind === 'postgres' ? await relayEvents(choice.url, conveyor.engine, progress ?? undefined) : async () => undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, host, () => resolve());
    });
  } catch (err) {
    await rooms.close().catch(() => undefined);
    await stopRelay();
    await sessions?.close();
    await conveyor.close();
    stopMirror();
    restoreConsole();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new ConveyorError('E_PORT_IN_USE', `Port ${port} on ${host} is already in use.`, 'Stop the other program or start Conveyor with another PORT, e.g. PORT=3001 npm start.', 409);
    }
    throw err;
  }
  const address = http.address() as AddressInfo;
  // Steps may not call the studio itself (a flow re-scoping a credential through the API): see nodes/sdk/network.ts.
  const unmarkStudioPort = markStudioPort(address.port);
  // Tracked mails link here unless CONVEYOR_PUBLIC_URL names the address recipients use.
  conveyor.tracking.useStudioUrl(`http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`);
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  logger?.info(`Conveyor studio at ${url} (data in ${conveyor.dataDir}; login ${auth.required ? 'on' : 'off: no password set, this computer only'})`, { url, dataDir: conveyor.dataDir, login: auth.required });
  let closing: Promise<void> | null = null;
  return {
    url,
    conveyor,
    app,
    close() {
      closing ??= (async () => {
        http.closeAllConnections();
        await rooms.close();
        await stopRelay();
        await sessions?.close();
        await conveyor.close();
        stopMirror();
        restoreConsole();
        unmarkStudioPort();
      })();
      return closing;
    },
  };
}

async function configuredPasswordHash(opts: ServerOptions, dataDir: string): Promise<string | null> {
  const given = opts.auth?.passwordHash;
  if (given !== undefined) {
    if (!isPasswordHash(given)) {
      throw new ConveyorError('E_PASSWORD_HASH_INVALID', 'The admin password hash given to startServer is not a valid scrypt hash.', 'Make one with hashPassword() (server/auth/password.ts) or "npx conveyor set-password".', 1);
    }
    return given;
  }
  return (await readAdminPassword(dataDir))?.hash ?? null;
}

/**
 * SPEC §7: on a loopback address (127.x, ::1, localhost) login is on when a password is set and
 * off otherwise; on any other address the studio only starts with a password.
 */
function assertBindAllowed(host: string, hasPassword: boolean): void {
  if (isLoopbackHost(host) || hasPassword) return;
  throw new ConveyorError(
    'E_AUTH_REQUIRED',
    `Refusing to listen on ${host} without a password: anyone who can reach that address could run flows.`,
    'Set the admin password first with "npx conveyor set-password" (or CONVEYOR_ADMIN_PASSWORD_HASH), then start again; or listen on HOST=127.0.0.1 (the default).',
    1,
  );
}
