/**
 * A TCP proxy in front of a real server that drops one connection at a chosen moment: the first
 * connection on which a chunk `cut` accepts goes by is closed (both ways) — a client's chunk instead
 * of being passed on, a server's right after it was passed on (the client reads the answer, then
 * the close). Every other connection, and every connection after the cut, passes. For tests of a
 * session lost at one exact step of its set-up, which killing the session from the server's side
 * reaches only by chance.
 */
import net from 'node:net';

export interface CuttingProxy {
  port: number;
  /** How many connections were cut (0 or 1). */
  readonly cuts: number;
  /** How many connections clients opened through it. */
  readonly connections: number;
  close(): Promise<void>;
}

export interface CutAt {
  /** A chunk the client sends (not passed on)… */
  client?: (chunk: string) => boolean;
  /** …or one the server sends (passed on, then the connection closed). */
  server?: (chunk: string) => boolean;
  /** Every answer of the server passed on this much later (a distant server). */
  delayMs?: number;
}

export async function cuttingProxy(target: { host: string; port: number }, cut: CutAt = {}): Promise<CuttingProxy> {
  let cuts = 0;
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    connections++;
    const upstream = net.connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    const drop = (): void => {
      cuts++;
      client.destroy();
      upstream.destroy();
    };
    const pass = (d: Buffer): void => {
      if (cuts === 0 && cut.server?.(d.toString('latin1'))) client.end(d, drop);
      else client.write(d);
    };
    upstream.on('data', (d: Buffer) => (cut.delayMs ? setTimeout(() => pass(d), cut.delayMs) : pass(d)));
    client.on('data', (d) => {
      if (cuts === 0 && cut.client?.(d.toString('latin1'))) drop();
      else upstream.write(d);
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get cuts() {
      return cuts;
    },
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
