/**
 * `conveyor runs prune | delete` and `conveyor storage`: retention from the command line (docs/operations.md,
 * "Retention"). They open the data folder like `run` does, so they refuse while the studio holds it
 * (E_DATA_DIR_BUSY): use the studio's Storage page or the REST API then.
 */
import { parseArgs } from 'node:util';
import { RUN_STATUSES } from '../contract/status.ts';
import { defaultDataDir, openConveyor } from '../conveyor.ts';
import { ConveyorError } from '../errors.ts';
import type { RunStatus } from '../store/types.ts';
import type { PruneCandidate } from '../retention/retention.ts';

export const RUNS_USAGE = `  runs prune --older-than AGE [--status S,...] [--archive DIR] [--dry-run] [--force] [--json] [--data-dir DIR]
                                         delete the runs that ended more than AGE ago (30d, 12h,
                                         2w; default statuses completed, failed, stopped), with
                                         their evidence and unused uploads; --archive first writes
                                         each into DIR/<runId>/; --dry-run only lists them
  runs delete <runId> [--archive DIR] [--force] [--data-dir DIR]
                                         delete (or archive, then delete) one run; --force also
                                         when records wait in review
  storage [--sort size|age] [--limit N] [--json] [--data-dir DIR]
                                         the space runs take (store estimate, evidence, uploads),
                                         biggest or oldest first, and the data folder's totals
                                         (the retention commands refuse while the studio runs:
                                         use its Storage page then)`;

const STATUSES: readonly RunStatus[] = RUN_STATUSES;

function usage(message: string, hint: string): ConveyorError {
  return new ConveyorError('E_USAGE', message, hint, 2);
}

/** "30d", "12h", "2w", "90m" or a plain number of days → days. */
export function parseAge(text: string | undefined): number {
  if (!text) throw usage('No age given.', 'Say how old runs must be, e.g. conveyor runs prune --older-than 30d (d days, h hours, w weeks).');
  const m = /^(\d+(?:\.\d+)?)\s*(d|h|w|m)?$/i.exec(text.trim());
  if (!m) throw usage(`"${text}" is not an age.`, 'Write it as a number with d (days), h (hours), w (weeks) or m (minutes), e.g. --older-than 30d.');
  const n = Number(m[1]);
  const unit = (m[2] ?? 'd').toLowerCase();
  return unit === 'w' ? n * 7 : unit === 'h' ? n / 24 : unit === 'm' ? n / 1440 : n;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

function line(r: PruneCandidate): string {
  return `  ${r.id}  ${r.flowName}  ${r.status}  ended ${r.endedAt ?? '—'}  ${r.records} record${r.records === 1 ? '' : 's'}  ${formatBytes(r.bytes)}`;
}

export async function runsCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { positionals, values } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      'older-than': { type: 'string' },
      status: { type: 'string' },
      archive: { type: 'string' },
      'dry-run': { type: 'boolean' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
      'data-dir': { type: 'string' },
    },
  });
  if (sub !== 'prune' && sub !== 'delete') {
    throw usage(sub ? `Unknown runs command "${sub}".` : 'No runs command given.', 'Use conveyor runs prune --older-than 30d [--dry-run] or conveyor runs delete <runId>.');
  }
  if (values.archive !== undefined && !values.archive.trim()) throw usage('--archive needs a folder.', 'Name the folder to archive into, e.g. --archive /mnt/archive/conveyor.');
  let status: RunStatus[] | undefined;
  if (values.status !== undefined) {
    status = values.status.split(',').map((s) => s.trim()).filter(Boolean) as RunStatus[];
    const bad = status.filter((s) => !STATUSES.includes(s));
    if (bad.length || status.length === 0) throw usage(`Unknown run status "${bad[0] ?? values.status}".`, `Name statuses among ${STATUSES.join(', ')}, separated by commas.`);
  }
  const olderThanDays = sub === 'prune' ? parseAge(values['older-than']) : 0;
  const runId = positionals[0];
  if (sub === 'delete' && !runId) throw usage('No run id given.', 'Name the run to delete, e.g. conveyor runs delete run_abc123 (conveyor storage lists them).');

  const c = await openConveyor(values['data-dir'] ?? defaultDataDir());
  try {
    if (sub === 'delete') {
      const r = await c.retention.deleteRun(runId!, { actor: 'cli', force: values.force, archive: values.archive });
      if (values.json) console.log(JSON.stringify(r, null, 2));
      else {
        console.log(`Deleted run ${r.id} (${r.flowName}, ${r.status}): ${r.records} record${r.records === 1 ? '' : 's'}, ${formatBytes(r.bytes)}.`);
        if (r.archive) console.log(`Archived first into ${r.archive}`);
        if (r.uploadDeleted) console.log(`Its uploaded input ${r.uploadDeleted} was deleted too (no other run used it).`);
      }
      return 0;
    }
    const r = await c.retention.prune({ olderThanDays, status, archive: values.archive, dryRun: values['dry-run'], force: values.force, actor: 'cli' });
    if (values.json) {
      console.log(JSON.stringify(r, null, 2));
      return 0;
    }
    const n = r.runs.length;
    const what = `${n} run${n === 1 ? '' : 's'} (${r.statuses.join(', ')}) that ended before ${r.cutoff}, ${formatBytes(r.bytes)}`;
    console.log(r.dryRun ? `Dry run: would delete ${what}${r.archive ? `, archived first into ${r.archive}` : ''}. Nothing was changed.` : `Deleted ${what}${r.archive ? `, archived into ${r.archive}` : ''}.`);
    for (const run of r.runs) console.log(line(run));
    if (r.skipped.length) {
      console.log(`Kept ${r.skipped.length} run${r.skipped.length === 1 ? '' : 's'}:`);
      for (const k of r.skipped) console.log(`${line(k)}\n    ${k.code}: ${k.reason}`);
    }
    return 0;
  } finally {
    await c.close();
  }
}

export async function storageCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { sort: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' }, 'data-dir': { type: 'string' } } });
  const sort = values.sort ?? 'size';
  if (sort !== 'size' && sort !== 'age') throw usage(`Unknown sort "${sort}".`, 'Use --sort size (biggest first) or --sort age (oldest first).');
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw usage(`--limit must be a whole number of runs, 1 or more (got ${values.limit}).`, 'E.g. --limit 50.');
  const c = await openConveyor(values['data-dir'] ?? defaultDataDir());
  try {
    const s = await c.retention.storage({ sort, limit });
    if (values.json) {
      console.log(JSON.stringify(s, null, 2));
      return 0;
    }
    const d = s.totals.disk;
    const db = s.totals.database;
    console.log(`${s.totals.runs} run${s.totals.runs === 1 ? '' : 's'}, ${formatBytes(s.totals.runBytes)} (estimate). On disk: ${db ? `database ${formatBytes(d.store)} (evidence ${formatBytes(db.evidence)}, uploads ${formatBytes(db.uploads)} of it), this studio's folders: ` : `store ${formatBytes(d.store)}, `}evidence ${formatBytes(d.evidence)}, uploads ${formatBytes(d.uploads)}, archive ${formatBytes(d.archive)}, files chosen in steps ${formatBytes(s.totals.keptFiles.bytes)} (${s.totals.keptFiles.files}).`);
    if (s.items.length) console.log(sort === 'size' ? 'Biggest runs:' : 'Oldest runs:');
    for (const r of s.items) {
      console.log(`  ${r.id}  ${r.flowName}  ${r.status}  ${r.endedAt ? `ended ${r.endedAt}` : `started ${r.createdAt}`}  ${r.recordCount} records  ${formatBytes(r.bytes)} (store ${formatBytes(r.storeBytes)}, evidence ${formatBytes(r.evidenceBytes)}, upload ${formatBytes(r.uploadBytes)})`);
    }
    if (s.total > s.items.length) console.log(`  … and ${s.total - s.items.length} more (--limit).`);
    return 0;
  } finally {
    await c.close();
  }
}
