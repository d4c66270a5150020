import { createHash } from 'node:crypto';
import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ConveyorError } from '../errors.ts';
import type { NodeStateStore } from '../store/types.ts';
import { TRACKING_KEY_ENV, TRACKING_KEY_FILE, trackingKey } from './signing-key.ts';

/** Set to `accept` to go on with a tracking secret other than the one used before (links already mailed stop working). */
export const TRACKING_CHANGED_ENV = 'CONVEYOR_TRACKING_SECRET_CHANGED';
/** Where the fingerprint of the tracking key in use is kept: install-wide state, shared by every studio of a database. */
const SCOPE = 'install';
const NODE = '~tracking-key';
const KEY = 'fingerprint';

interface Kept {
  fingerprint: string;
  since: string;
}

/** 16 hex digits of a hash of the key: tells two keys apart, tells nothing of either. */
export function keyFingerprint(key: Buffer): string {
  return createHash('sha256').update('conveyor tracking key fingerprint\0').update(key).digest('hex').slice(0, 16);
}

/**
 * The tracking key (signing-key.ts), held to the one the store has seen: a tracking.key deleted (a new
 * one was made at the next start), replaced, or a CONVEYOR_TRACKING_SECRET other than before, broke
 * every link of the mails already sent — unsubscribe links included — without a word. The store keeps
 * the key's fingerprint from the first start on; another key is refused (E_TRACKING_SECRET_CHANGED),
 * a missing key file before a new one is made, unless CONVEYOR_TRACKING_SECRET_CHANGED=accept.
 */
export async function checkedTrackingKey(dataDir: string, store: Pick<NodeStateStore, 'getNodeState' | 'putNodeState'>, env: NodeJS.ProcessEnv = process.env, warn: (line: string) => void = (l) => console.warn(l)): Promise<Buffer> {
  const kept = (await store.getNodeState(SCOPE, NODE, KEY)) as Kept | null;
  const accept = env[TRACKING_CHANGED_ENV] === 'accept';
  const file = path.join(dataDir, TRACKING_KEY_FILE);
  const fromEnv = Boolean(env[TRACKING_KEY_ENV]);
  if (kept && !accept && !fromEnv && !(await access(file).then(() => true, () => false))) throw changed(kept, `the tracking secret ${file} is missing`);
  const key = await trackingKey(dataDir, env);
  const fingerprint = keyFingerprint(key);
  if (kept?.fingerprint === fingerprint) return key;
  if (kept && !accept) throw changed(kept, fromEnv ? `${TRACKING_KEY_ENV} is not the tracking secret used before` : `the tracking secret ${file} is not the one used before (replaced or changed)`);
  if (kept) warn(`[tracking] ${TRACKING_CHANGED_ENV}=accept: going on with a new tracking secret; links in mails sent before (since ${kept.since}) no longer work.`);
  await store.putNodeState([{ scope: SCOPE, nodeId: NODE, key: KEY, value: { fingerprint, since: new Date().toISOString() } }]);
  return key;
}

function changed(kept: Kept, what: string): ConveyorError {
  return new ConveyorError(
    'E_TRACKING_SECRET_CHANGED',
    `At start: ${what}. The links of tracked mails sent since ${kept.since} (unsubscribe, opens, clicks) are signed with it and would stop working with another; nothing was started.`,
    `Put tracking.key back (or restore the data folder from a backup), or set ${TRACKING_KEY_ENV} to the secret used before. To go on with a new secret anyway — links in mails already sent stop working — start once with ${TRACKING_CHANGED_ENV}=accept.`,
    500,
  );
}

/**
 * The tracking key of a process sharing a PostgreSQL database with other studios and workers: each
 * has its own data folder, so each would sign with its own tracking.key unless CONVEYOR_TRACKING_SECRET
 * gives them one — and a link one of them made would not open on another (a click, an unsubscribe
 * answered 400). The database keeps the fingerprint of the key the first of them used; a process with
 * another key starts (a worker that sends no tracked mail needs none) but makes no tracked link:
 * `problem` says why, and a send step that tracks fails with it (E_TRACKING_UNAVAILABLE) instead of
 * mailing links that break. CONVEYOR_TRACKING_SECRET_CHANGED=accept makes this process's key the one
 * kept (links already mailed stop working).
 */
export async function sharedTrackingKey(
  dataDir: string,
  store: Pick<NodeStateStore, 'putNodeState' | 'claimNodeState'>,
  env: NodeJS.ProcessEnv = process.env,
  warn: (line: string) => void = (l) => console.warn(l),
): Promise<{ key: Buffer; problem: string | null }> {
  // A worker's data folder may not exist yet: its tracking.key is made there when no secret is given.
  if (!env[TRACKING_KEY_ENV]) await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const key = await trackingKey(dataDir, env);
  const fingerprint = keyFingerprint(key);
  const ours: Kept = { fingerprint, since: new Date().toISOString() };
  // Claimed: the key kept before, or ours when none is — so that of two processes starting at once with
  // different keys the second learns of the first's (a read then a write let both believe theirs was kept).
  const kept = (await store.claimNodeState(SCOPE, NODE, KEY, { ...ours })) as unknown as Kept;
  if (kept.fingerprint === fingerprint) return { key, problem: null };
  if (env[TRACKING_CHANGED_ENV] !== 'accept') {
    const own = env[TRACKING_KEY_ENV] ? TRACKING_KEY_ENV : path.join(dataDir, TRACKING_KEY_FILE);
    const problem = `this process's tracking secret (${own}) is not the one the other studios and workers of this database sign links with (since ${kept.since}), so links it made would not open on them`;
    warn(`[tracking] ${problem}: its send steps make no tracked link. Set ${TRACKING_KEY_ENV} to the same value on every studio and worker.`);
    return { key, problem };
  }
  warn(`[tracking] ${TRACKING_CHANGED_ENV}=accept: going on with this process's tracking secret; links in mails sent before (since ${kept.since}) no longer work.`);
  await store.putNodeState([{ scope: SCOPE, nodeId: NODE, key: KEY, value: { ...ours } }]);
  return { key, problem: null };
}
