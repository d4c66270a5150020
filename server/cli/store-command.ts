/**
 * `conveyor store verify | repair | backup DIR | restore DIR [--data-dir D] [--json]`: see docs/operations.md.
 * `conveyor store copy --from DATA_DIR --to postgres://… [--replace] [--json]`: see README, "Scaling out".
 */
import { parseArgs } from 'node:util';
import { defaultDataDir } from '../conveyor.ts';
import { ConveyorError } from '../errors.ts';
import { backupStore, repairStore, restoreStore, verifyStore } from '../store/maintenance.ts';
import { copyEmbeddedToPg } from '../store/pg/copy.ts';
import type { SpillCheck } from '../store/archive/spill-check.ts';
import type { DataFileCheck } from '../store/data-files.ts';
import { storeChoice } from '../store/open-store.ts';

export const STORE_USAGE = `  store verify [--data-dir DIR] [--json]
                                         report the state of the data folder's store (snapshot,
                                         journal files, torn tail, run archives and step segments,
                                         every byte read; damage with its file, offset and the
                                         records it takes; evidence and uploads against their
                                         SHA-256) without changing anything; exit 0 only when healthy
  store repair [--data-dir DIR]          keep what is intact, move damaged files aside into
                                         store/damaged-<time>/, print what was lost, mark records
                                         whose unsafe steps may have run as in doubt (studio stopped)
  store backup <DIR> [--data-dir DIR]    copy the data folder consistently into DIR (a new or empty
                                         folder), also while the studio runs; the copy is verified
  store restore <DIR> [--data-dir DIR]   put a backup back (studio stopped); the current data is
                                         moved into DATA_DIR/replaced-<time>/, never deleted
  store copy [--from DIR] [--to URL] [--replace] [--json]
                                         copy the embedded store of a data folder (default DATA_DIR)
                                         into an empty PostgreSQL database (default DATABASE_URL):
                                         flows, schedules, node state, runs with their history;
                                         --replace empties a target that holds data first`;

/** A run's step segments in `verify --json`: damage by file, offset and the records whose steps it takes. */
function spillJson(c: SpillCheck) {
  const place = (d: SpillCheck['damaged'][number]) => ({ file: d.file, offset: d.offset, end: d.end, reason: d.reason });
  return {
    folder: c.name,
    runId: c.runId,
    segments: c.segments,
    bytes: c.bytes,
    records: c.named,
    damaged: c.damaged.map((d) => ({ ...place(d), lost: d.lost.map((r) => ({ record: r.record, steps: r.steps, lastSeq: r.lastSeq })) })),
    unnamed: c.loose.map(place),
  };
}

/** An evidence file or upload in `verify --json`: its state against its recorded SHA-256. */
function fileJson(c: DataFileCheck) {
  const s = c.state;
  return { kind: c.kind, ref: c.ref, file: c.file, state: s.state, reason: 'reason' in s ? s.reason : s.state === 'lost' ? s.lost.reason : null, ...(s.state === 'lost' ? { lost: s.lost } : {}) };
}

export async function storeCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { positionals, values } = parseArgs({ args: rest, allowPositionals: true, options: { 'data-dir': { type: 'string' }, json: { type: 'boolean' }, from: { type: 'string' }, to: { type: 'string' }, replace: { type: 'boolean' } } });
  const dataDir = values['data-dir'] ?? defaultDataDir();
  switch (sub) {
    case 'verify': {
      const r = await verifyStore(dataDir);
      if (values.json) console.log(JSON.stringify({ storeDir: r.storeDir, healthy: r.healthy, empty: r.empty, snapshot: r.inspection?.snapshot ?? null, damage: r.inspection?.damage ?? null, files: r.inspection?.files.map((f) => ({ file: f.path, entries: f.frames.length, firstSeq: f.frames[0]?.seq ?? null, lastSeq: f.frames.at(-1)?.seq ?? null, bytes: f.size, torn: f.torn, damage: f.damage && { offset: f.damage.offset, reason: f.damage.reason } })) ?? [], stepSegments: r.spills.map(spillJson), dataFiles: r.files.map(fileJson) }, null, 2));
      else for (const line of r.lines) (r.healthy ? console.log : console.error)(line);
      return r.healthy ? 0 : 1;
    }
    case 'repair': {
      const r = await repairStore(dataDir);
      for (const line of r.lines) console.log(line);
      return 0;
    }
    case 'backup': {
      if (!positionals[0]) throw new ConveyorError('E_USAGE', 'No backup folder given.', 'Name a new or empty folder, e.g. conveyor store backup /mnt/backups/conveyor-2024-05-01', 2);
      const r = await backupStore(dataDir, positionals[0]);
      for (const line of r.lines) console.log(line);
      return 0;
    }
    case 'restore': {
      if (!positionals[0]) throw new ConveyorError('E_USAGE', 'No backup folder given.', 'Name the folder a backup was written to, e.g. conveyor store restore /mnt/backups/conveyor-2024-05-01', 2);
      const r = await restoreStore(dataDir, positionals[0]);
      for (const line of r.lines) console.log(line);
      return 0;
    }
    case 'copy': {
      const to = values.to ?? process.env.DATABASE_URL;
      if (!to) throw new ConveyorError('E_USAGE', 'No target database given.', 'Name it: conveyor store copy --from DATA_DIR --to postgres://user:password@host:5432/database (or set DATABASE_URL).', 2);
      // The same check as CONVEYOR_STORE=postgres (a postgres:// URL), never echoing the URL.
      const target = storeChoice({ CONVEYOR_STORE: 'postgres', DATABASE_URL: to });
      if (target.kind !== 'postgres') return 2;
      const r = await copyEmbeddedToPg(values.from ?? dataDir, target.url, { replace: values.replace });
      if (values.json) console.log(JSON.stringify({ counts: r.counts, credentials: r.credentials }, null, 2));
      else for (const line of r.lines) console.log(line);
      return 0;
    }
    default:
      throw new ConveyorError('E_USAGE', sub ? `Unknown store command "${sub}".` : 'No store command given.', 'Use one of: conveyor store verify | repair | backup DIR | restore DIR [--data-dir DIR] | copy --from DIR --to URL.', 2);
  }
}
