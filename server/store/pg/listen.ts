/**
 * LISTEN on a connection of its own, for what other processes on the database tell (schedules
 * changed, credentials changed, sessions made or ended). The connection is made again when it is
 * lost (a database restart), every `retryMs`: a notification sent meanwhile is lost, so every user
 * of this treats a notification as "read again", never as the data itself, and `onReconnect` tells
 * them to read everything again.
 */
import pg from 'pg';

export interface PgListener {
  close(): Promise<void>;
}

export interface ListenOptions {
  /** Called after a lost connection is made again (what was told meanwhile was missed). */
  onReconnect?: () => void;
  retryMs?: number;
}

export async function listen(url: string, channels: Record<string, (payload: string) => void>, opts: ListenOptions = {}): Promise<PgListener> {
  let client: pg.Client | null = null;
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  const retryMs = opts.retryMs ?? 1000;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url });
    c.on('error', () => undefined);
    await c.connect();
    // Listening alone keeps no process alive (a worker or the CLI ends when its work does).
    (c as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
    c.on('notification', (n) => {
      const handler = channels[n.channel];
      if (handler && n.payload !== undefined) handler(n.payload);
    });
    for (const channel of Object.keys(channels)) await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    c.once('end', () => {
      if (closed) return;
      client = null;
      retry();
    });
    client = c;
  };
  const retry = () => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = null;
      connect().then(
        () => opts.onReconnect?.(),
        () => retry(),
      );
    }, retryMs);
    timer.unref();
  };

  await connect();
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await client?.end().catch(() => undefined);
    },
  };
}
