import type { Server as HttpServer, IncomingMessage } from 'node:http';
import { Server } from 'socket.io';
import type { Engine } from '../engine/engine.ts';
import { RunUpdateCoalescer } from './run-update-coalescer.ts';

const room = (runId: string) => `run:${runId}`;

export interface RunRoomsOptions {
  /** Whether a handshake request may open a connection at all (e.g. no foreign Origin). */
  allowRequest?: (req: IncomingMessage) => boolean;
  /**
   * Whether the connecting client is signed in (login off: always); checked again on every
   * `run:join` and every `recheckMs`, so a socket closes soon after its session ends.
   */
  authorize?: (req: IncomingMessage) => boolean;
  recheckMs?: number;
  /** Steps under way in workers, per node (worker-progress.ts): added to the canvas's "in progress". */
  elsewhere?: (runId: string) => Record<string, number>;
}

const AUTH_REQUIRED = { code: 'E_AUTH_REQUIRED', message: 'Sign in to follow runs live.', hint: 'Sign in to the studio, then reload the page.' };

/** Socket.IO adapter: one room per run; members get coalesced `run:update` messages. No CORS: same origin only. */
export function attachRunRooms(httpServer: HttpServer, engine: Engine, opts: RunRoomsOptions = {}): { io: Server; close(): Promise<void> } {
  const io = new Server(httpServer, {
    serveClient: false,
    allowRequest: (req, callback) => {
      const ok = !opts.allowRequest || opts.allowRequest(req);
      callback(ok ? null : 'E_ORIGIN_FORBIDDEN', ok);
    },
  });
  const authorized = (req: IncomingMessage) => !opts.authorize || opts.authorize(req);
  io.use((socket, next) => {
    if (authorized(socket.request)) return next();
    next(Object.assign(new Error(AUTH_REQUIRED.message), { data: AUTH_REQUIRED }));
  });
  const recheck = opts.authorize
    ? setInterval(() => {
        for (const socket of io.sockets.sockets.values()) {
          if (authorized(socket.request)) continue;
          socket.emit('run:error', AUTH_REQUIRED);
          socket.disconnect(true);
        }
      }, opts.recheckMs ?? 5_000).unref()
    : null;
  const coalescer = new RunUpdateCoalescer(engine, (runId, update) => io.to(room(runId)).emit('run:update', update));
  coalescer.watched = (runId) => (io.sockets.adapter.rooms.get(room(runId))?.size ?? 0) > 0;
  coalescer.elsewhere = opts.elsewhere ?? null;
  const unsubscribe = engine.on((event) => coalescer.handle(event));

  io.on('connection', (socket) => {
    socket.on('run:join', async (runId: unknown) => {
      if (!authorized(socket.request)) {
        // The session ended (sign-out, expiry) after the connection opened.
        socket.emit('run:error', AUTH_REQUIRED);
        socket.disconnect(true);
        return;
      }
      if (typeof runId !== 'string' || runId.length > 100) {
        socket.emit('run:error', { code: 'E_RUN_ID_INVALID', message: 'run:join needs a run id.', hint: 'Send the id of a run as a string.' });
        return;
      }
      try {
        const snapshot = await coalescer.snapshot(runId);
        await socket.join(room(runId));
        socket.emit('run:update', snapshot);
      } catch (err) {
        const e = err as { code?: string; message?: string; hint?: string };
        socket.emit('run:error', { code: e.code ?? 'E_INTERNAL', message: e.message ?? 'Could not join the run.', hint: e.hint ?? 'Reload the page.' });
      }
    });
    socket.on('run:leave', async (runId: unknown) => {
      if (typeof runId === 'string') await socket.leave(room(runId));
    });
  });

  return {
    io,
    async close() {
      if (recheck) clearInterval(recheck);
      unsubscribe();
      coalescer.close();
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
  };
}
