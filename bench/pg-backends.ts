// The PostgreSQL server processes serving one database, sampled from /proc while a bench case runs:
// their CPU time (user + system) and peak memory. PostgreSQL's work for a Conveyor process happens in
// these backends, so a store comparison that counted only the Conveyor process would leave it out.
// Memory is each backend's private resident memory (RssAnon): its shared buffers (RssShmem) are the
// server's one cache, counted once in shared_buffers, not per connection. Needs /proc of the server's
// processes (same machine, readable): otherwise both figures stay null.
import { readFileSync } from 'node:fs';
import pg from 'pg';

export interface BackendFigures {
  /** CPU seconds of the backends during the case (each backend's last reading, summed). */
  cpuSeconds: number | null;
  /** Highest sum of the backends' private resident memory seen at one sample, MB. */
  peakRssMb: number | null;
  /** Most backends seen at once. */
  backends: number;
}

const TICKS = Number(process.env.BENCH_CLK_TCK ?? 100);

function procCpu(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return null;
  }
}

function privateRssKb(pid: number): number | null {
  try {
    const m = /RssAnon:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Samples the backends of database `dbName` every `everyMs` until `stop()`, which resolves the figures. */
export function sampleBackends(adminUrl: string, dbName: string, everyMs = 500): { stop(): Promise<BackendFigures> } {
  const client = new pg.Client({ connectionString: adminUrl });
  const cpu = new Map<number, number>();
  /** CPU the backends open at the first sample had spent before it (opening the store, migrations): not counted. */
  const before = new Map<number, number>();
  let first = true;
  let peakKb: number | null = null;
  let backends = 0;
  let readable = false;
  const sample = async () => {
    const pids = (await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1', [dbName])).rows.map((r) => r.pid);
    backends = Math.max(backends, pids.length);
    let kb = 0;
    for (const pid of pids) {
      const c = procCpu(pid);
      const r = privateRssKb(pid);
      if (c === null || r === null) continue;
      readable = true;
      if (first) before.set(pid, c);
      cpu.set(pid, c - (before.get(pid) ?? 0));
      kb += r;
    }
    first = false;
    if (readable) peakKb = Math.max(peakKb ?? 0, kb);
  };
  const connected = client.connect();
  let busy: Promise<void> = connected.then(sample).catch(() => undefined);
  const timer = setInterval(() => {
    busy = busy.then(sample).catch(() => undefined);
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await busy;
      await sample().catch(() => undefined);
      await client.end().catch(() => undefined);
      return { cpuSeconds: readable ? [...cpu.values()].reduce((a, b) => a + b, 0) : null, peakRssMb: peakKb === null ? null : peakKb / 1024, backends };
    },
  };
}
