/**
 * One studio among several on a PostgreSQL database leads: it arms the schedules' timers and sends
 * alerts and daily summaries. The leader holds a session advisory lock on a connection of its own;
 * the others try to take it every `retryMs`. When the leader dies its connection closes, PostgreSQL
 * frees the lock, and the next studio to try takes over (within `retryMs`, plus the time the
 * database needs to see a lost machine's connection end). A leader whose lock connection is lost
 * stands down at once, before anyone else can take the lock.
 *
 * Leadership alone would not make a tick fire once: a leader cut off from its lock connection may
 * still be firing a tick when the next one takes over. Each tick is therefore also claimed in the
 * database (tick-claims.ts): the lock keeps the others idle, the claim makes the fire exact.
 */
import pg from 'pg';

/** Advisory lock key of the leading studio ("conveyor.leader", folded into a bigint). */
const LEADER_LOCK = '7165521784339281524';

export interface LeadershipOptions {
  url: string;
  /** This studio now leads: arm the schedules, start the monitor. */
  onLead: () => void | Promise<void>;
  /** This studio no longer leads (its lock connection was lost): stop firing. */
  onLose: () => void | Promise<void>;
  /** How often a studio that does not lead tries to (CONVEYOR_LEADER_RETRY_MS, default 2000 ms). */
  retryMs?: number;
  log?: (line: string) => void;
}

export class Leadership {
  private client: pg.Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private trying: Promise<void> | null = null;
  leading = false;

  constructor(private readonly opts: LeadershipOptions) {}

  /** Tries to lead now, then every `retryMs` while another studio leads. */
  async start(): Promise<void> {
    await this.tryLead();
    const every = this.opts.retryMs ?? (Number(process.env.CONVEYOR_LEADER_RETRY_MS) || 2000);
    this.timer = setInterval(() => {
      if (!this.leading) void this.tryLead();
    }, every);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.trying;
    const c = this.client;
    this.client = null;
    if (this.leading) {
      this.leading = false;
      await this.opts.onLose();
    }
    // Ending the connection frees the lock: the next studio takes over at its next try.
    await c?.end().catch(() => undefined);
  }

  private tryLead(): Promise<void> {
    this.trying ??= this.attempt().finally(() => (this.trying = null));
    return this.trying;
  }

  private async attempt(): Promise<void> {
    if (this.closed || this.leading) return;
    try {
      if (!this.client) {
        const c = new pg.Client({ connectionString: this.opts.url });
        c.on('error', () => undefined);
        await c.connect();
        c.once('end', () => void this.lost(c));
        this.client = c;
      }
      const got = await this.client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [LEADER_LOCK]);
      if (!got.rows[0].ok || this.closed) return;
      this.leading = true;
      this.opts.log?.('[studios] this studio leads: it fires the schedules and sends alerts and summaries.');
      await this.opts.onLead();
    } catch {
      // The database cannot be reached: tried again at the next interval.
    }
  }

  private async lost(c: pg.Client): Promise<void> {
    if (this.client === c) this.client = null;
    if (!this.leading || this.closed) return;
    this.leading = false;
    this.opts.log?.('[studios] this studio lost its lead (its database connection ended); another studio takes over.');
    await this.opts.onLose();
  }
}
