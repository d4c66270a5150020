import { io, type Socket } from 'socket.io-client';

let socket: Socket | null = null;

/** One Socket.IO connection to the same origin, shared by every run view. */
export function getSocket(): Socket {
  if (!socket) socket = io({ transports: ['websocket', 'polling'] });
  return socket;
}

/** Closes the connection (on sign-out); the next `getSocket()` opens a new one with the new session. */
export function closeSocket(): void {
  socket?.close();
  socket = null;
}
