/**
 * A worker's settings, from its command line and environment (read once, checked with zod): what a
 * wrong value is, it says, and nothing starts.
 */
import { z } from 'zod';
import { ConveyorError } from '../errors.ts';

const schema = z.object({
  url: z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'DATABASE_URL must be a PostgreSQL connection URL (postgres://…)'),
  dataDir: z.string().min(1),
  id: z.string().optional(),
  leaseMs: z.number().int().min(1000, 'the lease must be at least 1000 ms').max(3_600_000, 'the lease must be at most one hour'),
  batch: z.number().int().min(1, 'the batch must be at least 1 record').max(256, 'the batch must be at most 256 records'),
  pollMs: z.number().int().min(10).max(60_000),
  poolSize: z.number().int().min(2).max(100),
});

export type WorkerSettings = z.infer<typeof schema>;

/** `--id`, `--lease-ms`, `--batch` override CONVEYOR_WORKER_ID, CONVEYOR_LEASE_MS, CONVEYOR_WORKER_BATCH. */
export function workerSettings(args: string[], env: NodeJS.ProcessEnv = process.env): WorkerSettings {
  const flag = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const num = (v: string | undefined, fallback: number) => (v === undefined || v === '' ? fallback : Number(v));
  if ((env.CONVEYOR_STORE ?? '').trim().toLowerCase().replace('postgresql', 'postgres') !== 'postgres') {
    throw new ConveyorError('E_WORKER_STORE', 'Workers need the PostgreSQL store: CONVEYOR_STORE is not "postgres".', 'Set CONVEYOR_STORE=postgres and DATABASE_URL to the studio\'s database, then start the worker again.', 400);
  }
  const parsed = schema.safeParse({
    url: (env.DATABASE_URL ?? '').trim(),
    dataDir: env.DATA_DIR ?? 'data',
    id: flag('id') ?? env.CONVEYOR_WORKER_ID,
    leaseMs: num(flag('lease-ms') ?? env.CONVEYOR_LEASE_MS, 30_000),
    batch: num(flag('batch') ?? env.CONVEYOR_WORKER_BATCH, 8),
    pollMs: num(env.CONVEYOR_WORKER_POLL_MS, 500),
    poolSize: num(env.CONVEYOR_PG_POOL, 4),
  });
  if (!parsed.success) {
    // The URL may hold a password: a message never repeats the value, only what is wrong.
    const issue = parsed.error.issues[0];
    throw new ConveyorError('E_WORKER_SETTINGS', `The worker's settings are not valid: ${issue.path.join('.')}: ${issue.message}.`, 'Fix the option or variable (see "Scaling out" in the README), then start the worker again.', 400);
  }
  return parsed.data;
}
