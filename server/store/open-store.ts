/**
 * Which store a process opens: the embedded one in DATA_DIR/store (the default), or PostgreSQL when
 * CONVEYOR_STORE=postgres, at DATABASE_URL. The choice is explicit: a DATABASE_URL alone (set for
 * other tools, or for the tests' PostgreSQL) never moves Conveyor's data. See README, "Scaling out".
 */
import { z } from 'zod';
import { ConveyorError } from '../errors.ts';
import { openSqlJsStore } from './sqljs-store.ts';
import { openPgStore } from './pg/pg-store.ts';
import type { Store } from './types.ts';
import { storeDirOf } from './store-dir.ts';

export type StoreChoice = { kind: 'embedded' } | { kind: 'postgres'; url: string };

const choiceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('embedded') }),
  z.object({ kind: z.literal('postgres'), url: z.string().regex(/^postgres(ql)?:\/\/[^\s]+$/) }),
]);

function configError(message: string): ConveyorError {
  return new ConveyorError(
    'E_STORE_CONFIG',
    message,
    'Leave CONVEYOR_STORE unset (or "embedded") for the store in DATA_DIR, or set CONVEYOR_STORE=postgres and DATABASE_URL=postgres://user:password@host:5432/database.',
    500,
  );
}

/** The store the environment asks for (CONVEYOR_STORE, DATABASE_URL); refuses a choice it cannot open. */
export function storeChoice(env: NodeJS.ProcessEnv = process.env): StoreChoice {
  const kind = (env.CONVEYOR_STORE ?? '').trim().toLowerCase();
  if (kind === '' || kind === 'embedded') return { kind: 'embedded' };
  if (kind !== 'postgres' && kind !== 'postgresql') return invalidChoice(`CONVEYOR_STORE is "${env.CONVEYOR_STORE}": it must be "embedded" or "postgres".`);
  const url = (env.DATABASE_URL ?? '').trim();
  if (!url) return invalidChoice('CONVEYOR_STORE=postgres, but DATABASE_URL is not set.');
  const checked = choiceSchema.safeParse({ kind: 'postgres', url });
  // The URL may hold a password: the message never repeats it.
  if (!checked.success) return invalidChoice('DATABASE_URL is not a PostgreSQL connection URL (postgres://…).');
  return checked.data;
}

function invalidChoice(message: string): never {
  throw configError(message);
}

/** Where the store lives, for logs and messages (no password). */
export function describeChoice(choice: StoreChoice, dataDir: string): string {
  if (choice.kind === 'embedded') return `embedded store in ${storeDirOf(dataDir)}`;
  const u = new URL(choice.url);
  return `PostgreSQL store at ${u.hostname}:${u.port || '5432'}${u.pathname}`;
}

/**
 * Opens the chosen store. `exclusive`: this process runs the engine over the store (the studio, the
 * CLI's run): a second one on the same PostgreSQL database is refused, as on the same data folder;
 * 'shared': a --no-execute studio, which any number of others may share (pg/exclusive.ts).
 */
export async function openStore(dataDir: string, choice: StoreChoice, opts: { exclusive?: boolean | 'shared' } = {}): Promise<Store> {
  if (choice.kind === 'embedded') return openSqlJsStore(storeDirOf(dataDir));
  return openPgStore(choice.url, { exclusive: opts.exclusive });
}
