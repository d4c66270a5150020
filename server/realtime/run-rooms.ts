import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { Engine } from '../engine/engine.ts';
import { RunUpdateCoalescer } from './run-update-coalescer.ts';

const room = (runId: string) => `run:${runId}`;

/** Socket.IO adapter: one room per run; members get coalesced `run:update` messages. */
export function attachRunRooms(httpServer: HttpServer, engine: Engine): { io: Server; close(): Promise<void> } {
  const io = new Server(httpServer, { serveClient: false });
  const coalescer = new RunUpdateCoalescer(engine, (runId, update) => io.to(room(runId)).emit('run:update', update));
  coalescer.watched = (runId) => (io.sockets.adapter.rooms.get(room(runId))?.size ?? 0) > 0;
  const unsubscribe = engine.on((event) => coalescer.handle(event));

  io.on('connection', (socket) => {
    socket.on('run:join', async (runId: unknown) => {
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
      unsubscribe();
      coalescer.close();
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
  };
}
