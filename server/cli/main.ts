import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { RejectInfo, RunInput } from '../../nodes/sdk/types.ts';
import { preflight } from '../engine/preflight.ts';
import { createRegistry } from '../../nodes/index.ts';
import { parseFlowText } from '../flow/validate.ts';
import { openConveyor, defaultDataDir } from '../conveyor.ts';
import { ConveyorError } from '../errors.ts';
import { NodeError } from '../contract/node-error.ts';
import { isSheetName, otherSpreadsheet, SHEET_NAMES, TEXT_SHEET_EXTENSIONS } from '../contract/sheet-files.ts';
import { wholeText } from '../../nodes/spreadsheet/lib/text-encoding.ts';
import { startServer } from '../main.ts';
import { setPassword } from './set-password.ts';
import { buildReport } from '../report/build-report.ts';
import { rotateKey } from './rotate-key.ts';
import { STORE_USAGE, storeCommand } from './store-command.ts';
import { openPastRuns } from './past-runs.ts';
import { RUNS_USAGE, runsCommand, storageCommand } from './runs-command.ts';
import { progressLine } from './progress-line.ts';
import type { RunSummary } from '../engine/engine.ts';
import { OUTCOME_EXIT_CODE, runOutcome } from '../contract/run-outcome.ts';
import type { Store } from '../store/types.ts';
import { makeCreatedFilesPrivate } from '../private-files.ts';
import { logFormatFrom } from '../logging/logger.ts';
import { WORKER_USAGE, workerCommand } from './worker-command.ts';

const USAGE = `Usage: conveyor <command>

  serve [--log-format json|text] [--no-execute]
                                         start the studio (PORT, HOST, DATA_DIR; LOG_FORMAT);
                                         --no-execute (CONVEYOR_EXECUTE=0): workers execute runs
  set-password [--data-dir DIR] [--print]
                                         set the admin password (read from stdin) that the
                                         studio asks for; needed to listen on a non-loopback
                                         HOST. --print: only print the hash (for
                                         CONVEYOR_ADMIN_PASSWORD_HASH)
  run <flow.json> [--input FILE] [--json] [--concurrency N] [--data-dir DIR]
                                         run a flow over records and print the result
  resume <runId> [--json] [--data-dir DIR]
                                         continue a paused, stopped or interrupted run
  validate <flow.json>                   check a flow file and list every problem
  rotate-key [--new-key KEY|-] [--data-dir DIR]
                                         re-encrypt every credential with a new vault key
                                         (--new-key required with CONVEYOR_SECRET_KEY; - reads
                                         it from stdin)
  check <flow.json> [--input FILE] [--json] [--reprocess] [--data-dir DIR]
                                         dry check: read the input (.json, .csv, .xlsx, .ods), list the
                                         records that would run, those a run would skip (business
                                         key: duplicates, done in past runs of DATA_DIR), rejected
                                         rows and flow problems; runs nothing
${STORE_USAGE}
${RUNS_USAGE}
${WORKER_USAGE}

Exit codes: 0 success (every record succeeded or was skipped; nothing to fix), 1 records failed,
rows rejected, the run failed or the flow is invalid, 2 usage or input error, 3 records need
review (none failed), 4 the run did not finish (paused or stopped; resume it).`;

/** Returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  // Everything the studio and the CLI write (data folder, backups, temp files) is private: 0700/0600.
  makeCreatedFilesPrivate();
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serve(rest);
      case 'run':
        return await run(rest);
      case 'resume':
        return await resume(rest);
      case 'validate':
        return await validate(rest);
      case 'check':
        return await check(rest);
      case 'rotate-key':
        return await rotateKey(rest);
      case 'set-password':
        return await setPassword(rest);
      case 'store':
        return await storeCommand(rest);
      case 'runs':
        return await runsCommand(rest);
      case 'storage':
        return await storageCommand(rest);
      case 'worker':
        return await workerCommand(rest);
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        console.log(USAGE);
        return command ? 0 : 2;
      default:
        console.error(`Unknown command "${command}".\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof ConveyorError) {
      console.error(`Error ${err.code}: ${err.message}\nHint: ${err.hint}`);
      const problems = (err.details?.problems ?? []) as Array<{ path: string; message: string }>;
      for (const p of problems) console.error(`  ${p.path}: ${p.message}`);
      return 2;
    }
    if (err && typeof err === 'object' && 'code' in err && 'hint' in err) {
      const e = err as { code: string; message: string; hint: string };
      console.error(`Error ${e.code}: ${e.message}\nHint: ${e.hint}`);
      return 2;
    }
    throw err;
  }
}

async function serve(args: string[]): Promise<number> {
  // Beside workers the studio serves and stores runs, and the workers execute them (see "Scaling out").
  if (args.includes('--no-execute')) process.env.CONVEYOR_EXECUTE = '0';
  const server = await startServer({ log: true, logFormat: logFormatFrom(args) });
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  console.log('Stopping: running steps finish, runs can be resumed after the next start…');
  await server.close();
  return 0;
}

async function readFlow(file: string | undefined) {
  if (!file) throw new ConveyorError('E_USAGE', 'No flow file given.', 'Name the flow file, e.g. conveyor run flows/hello-records.json', 2);
  const text = await readFile(file, 'utf8').catch(() => {
    throw new ConveyorError('E_FILE_NOT_FOUND', `Cannot read ${file}.`, 'Check the path of the flow file.', 2);
  });
  return parseFlowText(text, createRegistry());
}

async function validate(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true });
  const check = await readFlow(positionals[0]);
  if (check.ok) {
    console.log(`${positionals[0]}: valid (${check.flow.nodes.length} nodes, ${check.flow.edges.length} edges).`);
    return 0;
  }
  console.error(`${positionals[0]}: ${check.problems.length} problem${check.problems.length === 1 ? '' : 's'}`);
  for (const p of check.problems) console.error(`  ${p.path}: ${p.message}`);
  return 1;
}

async function run(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { input: { type: 'string' }, json: { type: 'boolean' }, concurrency: { type: 'string' }, 'data-dir': { type: 'string' } },
  });
  const check = await readFlow(positionals[0]);
  if (!check.ok) {
    console.error(`${positionals[0]}: ${check.problems.length} problem${check.problems.length === 1 ? '' : 's'}`);
    for (const p of check.problems) console.error(`  ${p.path}: ${p.message}`);
    return 1;
  }
  const input = values.input ? await readInput(values.input, triggerType(check.flow)) : undefined;
  const concurrency = values.concurrency !== undefined ? Number(values.concurrency) : undefined;
  const c = await openConveyor(values['data-dir'] ?? defaultDataDir());
  try {
    await c.flows.import(check.flow, 'replace');
    const started = await c.engine.startRun(check.flow, { input, concurrency });
    return await follow(c.engine, started.id, Boolean(values.json), c.store);
  } finally {
    await c.close();
  }
}

async function resume(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' }, 'data-dir': { type: 'string' } } });
  if (!positionals[0]) throw new ConveyorError('E_USAGE', 'No run id given.', 'Name the run to resume, e.g. conveyor resume run_abc123', 2);
  const c = await openConveyor(values['data-dir'] ?? defaultDataDir());
  try {
    await c.engine.resume(positionals[0]);
    return await follow(c.engine, positionals[0], Boolean(values.json), c.store);
  } finally {
    await c.close();
  }
}

/** Shows progress on stderr (unless --json) and the result on stdout; Ctrl+C pauses the run. */
async function follow(engine: import('../engine/engine.ts').Engine, runId: string, json: boolean, store: Store): Promise<number> {
  const onSigint = () => {
    process.stderr.write('\nPausing: current steps finish; continue later with `conveyor resume ' + runId + '`.\n');
    void engine.pause(runId).catch(() => undefined);
  };
  process.once('SIGINT', onSigint);
  const ticker = json || !process.stderr.isTTY ? null : setInterval(async () => {
    process.stderr.write(`\r${progressLine(runId, await engine.summary(runId))}   `);
  }, 250);
  const summary = await engine.waitForRun(runId);
  if (ticker) clearInterval(ticker);
  process.removeListener('SIGINT', onSigint);
  // Rows a Spreadsheet trigger refused before the run: listed, and the run does not count as clean.
  const rejects: RejectInfo[] = (await store.listRejects(runId)).map(({ runId: _r, ...r }) => r);
  if (json) {
    const report = await buildReport(store, runId);
    console.log(JSON.stringify({ ...summary, ...(rejects.length ? { rejects } : {}), report }, null, 2));
  } else {
    printSummary(summary);
    if (rejects.length) {
      console.log(`${rejects.length} row${rejects.length === 1 ? ' was' : 's were'} rejected before the run:`);
      for (const r of rejects) console.log(`  ${formatReject(r)}`);
    }
  }
  return runExitCode(summary, rejects.length);
}

/**
 * The exit code of `run` and `resume`, from the same outcome the studio shows: 0 only when every
 * record succeeded or was skipped and no row was rejected; 1 failed records, rejected rows or a
 * run that failed; 3 records to review (none failed); 4 the run did not finish (paused, stopped).
 */
export function runExitCode(summary: Pick<RunSummary, 'status' | 'counts' | 'recordCount'>, rejectCount: number): number {
  const code = OUTCOME_EXIT_CODE[runOutcome(summary.status, summary.counts, summary.recordCount).kind];
  return code === 0 && rejectCount > 0 ? 1 : code;
}

/** "Run run_x completed with 20 failed — 20 records: 0 succeeded, 20 failed." */
export function summaryLine(s: Pick<RunSummary, 'id' | 'status' | 'counts' | 'recordCount'>): string {
  const o = runOutcome(s.status, s.counts, s.recordCount);
  return `Run ${s.id} ${o.headline.replace(/^Run /, '')} — ${o.detail}`;
}

function printSummary(s: RunSummary): void {
  console.log(`\n${summaryLine(s)}`);
  if (s.reason) console.log(`${s.reason.code}: ${s.reason.message}${s.reason.code === 'E_STORE_WRITE' ? `\nHint: ${s.reason.hint}` : ''}`);
}

/**
 * The run input from a file: .json and .csv text for the manual trigger; for a flow that starts
 * with a Spreadsheet trigger, the .csv, .xlsx or .ods file itself.
 */
async function readInput(file: string, trigger: string | undefined): Promise<RunInput> {
  const ext = path.extname(file).toLowerCase();
  const readsFiles = trigger !== undefined && Boolean(createRegistry().get(trigger)?.acceptsFile);
  if (readsFiles || ext === '.xlsx' || ext === '.ods') {
    if (!isSheetName(file)) {
      const other = otherSpreadsheet(ext);
      throw new ConveyorError('E_INPUT_FORMAT', `The input file ${file} is not a spreadsheet file (${SHEET_NAMES})${other ? `: it is ${other}` : ''}.`, 'This flow starts with a trigger that reads a spreadsheet: give an Excel workbook (.xlsx), an OpenDocument spreadsheet (.ods) or a CSV file (.csv).', 2);
    }
    if (!readsFiles) {
      throw new ConveyorError('E_INPUT_FORMAT', `The input file ${file} is a spreadsheet, but this flow does not start with a Spreadsheet trigger.`, 'Give the records as .json or .csv, or start the flow with a Spreadsheet trigger.', 2);
    }
    const found = await stat(file).catch(() => null);
    if (!found?.isFile()) throw new ConveyorError('E_FILE_NOT_FOUND', `Cannot read the input file ${file}.`, 'Check the path given to --input.', 2);
    return { file: { path: path.resolve(file), name: path.basename(file) } };
  }
  // The kind of file first: an .xls or a PDF is not "text that is not UTF-8" (its bytes are never decoded).
  const format = TEXT_SHEET_EXTENSIONS.includes(ext) ? 'csv' : ext === '.json' ? 'json' : null;
  if (format === null) {
    const other = otherSpreadsheet(ext);
    throw new ConveyorError(
      'E_INPUT_FORMAT',
      `The input file ${file} is ${other ?? 'neither .json, .csv, .xlsx nor .ods'}.`,
      other
        ? 'Open it in Excel or LibreOffice and save it as "Excel workbook (.xlsx)" or "CSV UTF-8 (.csv)", then give that file to --input.'
        : 'Give records as a JSON array (.json), a CSV file with a header row (.csv), or a workbook (.xlsx, .ods) for a flow that starts with a Spreadsheet trigger.',
      2,
    );
  }
  const bytes = await readFile(file).catch(() => {
    throw new ConveyorError('E_FILE_NOT_FOUND', `Cannot read the input file ${file}.`, 'Check the path given to --input.', 2);
  });
  // UTF-8 or UTF-16 (its byte-order mark), never a letter replaced: bytes that are not text refuse the file.
  const text = await wholeText(bytes, path.basename(file)).catch((err: unknown) => {
    if (err instanceof NodeError) throw new ConveyorError(err.code, err.message, err.hint, 2);
    throw err;
  });
  return { text, format };
}

/** The type of the flow's trigger node, when it has exactly one known trigger. */
function triggerType(doc: unknown): string | undefined {
  const nodes = (doc as { nodes?: unknown } | null)?.nodes;
  if (!Array.isArray(nodes)) return undefined;
  const registry = createRegistry();
  const triggers = nodes.filter((n): n is { type: string } => typeof n?.type === 'string' && Boolean(registry.get(n.type)?.trigger));
  return triggers.length === 1 ? triggers[0].type : undefined;
}

/** Dry check: what a run would get, without running or storing anything. Exit 0 only when nothing is to fix. */
async function check(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { input: { type: 'string' }, json: { type: 'boolean' }, reprocess: { type: 'boolean' }, 'data-dir': { type: 'string' } } });
  const file = positionals[0];
  if (!file) throw new ConveyorError('E_USAGE', 'No flow file given.', 'Name the flow file, e.g. conveyor check flows/spreadsheet-contacts.json --input contacts.csv', 2);
  const text = await readFile(file, 'utf8').catch(() => {
    throw new ConveyorError('E_FILE_NOT_FOUND', `Cannot read ${file}.`, 'Check the path of the flow file.', 2);
  });
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    console.log(`${file}: 1 problem\n  $: The file is not valid JSON (${(err as Error).message}). Export the flow again or fix the syntax.`);
    return 1;
  }
  const input = values.input ? await readInput(values.input, triggerType(doc)) : undefined;
  // Past runs only matter with a business key: only then is DATA_DIR opened (and locked).
  const businessKey = (doc as { settings?: { businessKey?: unknown } } | null)?.settings?.businessKey;
  const past = typeof businessKey === 'string' && businessKey ? await openPastRuns(values['data-dir'] ?? defaultDataDir()) : null;
  const result = await preflight(doc, createRegistry(), input, { store: past?.store, reprocess: values.reprocess }).finally(() => past?.close());
  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
    return result.ok ? 0 : 1;
  }
  const from = values.input ? ` with ${path.basename(values.input)}` : '';
  const n = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  const skipped = result.skipCount ? `, ${result.skipCount} would be skipped (duplicates / already done)` : '';
  console.log(`${file}${from}: ${n(result.runCount, 'record')} would run${skipped}, ${n(result.rejectCount, 'row')} rejected, ${n(result.problems.length, 'problem')}.`);
  if (result.skips.length) {
    console.log('\nSkipped records:');
    for (const s of result.skips) console.log(`  ${s.row !== null ? `row ${s.row}` : `record #${s.index + 1}`}: ${s.reason}`);
  }
  if (result.rejects.length) {
    console.log('\nRejected rows:');
    for (const r of result.rejects) console.log(`  ${formatReject(r)}`);
  }
  if (result.problems.length) {
    console.log('\nProblems:');
    for (const p of result.problems) {
      console.log(`  ${p.path}: ${p.message}${p.code ? ` (${p.code})` : ''}`);
      if (p.hint) console.log(`    Hint: ${p.hint}`);
    }
  }
  if (result.ok) console.log('Nothing to fix: the run can start.');
  return result.ok ? 0 : 1;
}

/** `row 7, email: "not an email" — not a valid email address (rule email)` */
export function formatReject(r: RejectInfo): string {
  return `row ${r.row}${r.field ? `, ${r.field}` : ''}: ${JSON.stringify(r.value)} — ${r.message} (rule ${r.rule})`;
}
