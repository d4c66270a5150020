import { NodeError } from '../../../server/contract/node-error.ts';

/**
 * How much one spreadsheet read may take. Every limit is enforced while the file streams (inflated
 * bytes are counted as they come out of the decompressor), so a hostile file is stopped at the
 * limit, never after it has filled the memory. Defaults fit any sheet a spreadsheet program can
 * save with up to a million rows; an admin raises them with the environment variables below.
 */
export interface SheetLimits {
  /** Bytes all parts read from one .xlsx may inflate to. */
  maxInflatedBytes: number;
  /** Bytes one part (a sheet, the shared strings…) may inflate to. */
  maxPartBytes: number;
  /** Most inflated bytes per compressed byte of a part (a zip bomb compresses far better). */
  maxRatio: number;
  /** Entries of the shared strings table. */
  maxSharedStrings: number;
  /** Characters of all shared strings together. */
  maxSharedChars: number;
  /** Highest row number of the sheet. */
  maxRows: number;
  /** Columns of one row. */
  maxColumns: number;
  /** Characters of one cell (cells over 32,767 only reject their row; beyond this the file is refused). */
  maxCellChars: number;
  /** JavaScript heap of the worker thread reading one file, in MB. */
  memoryMb: number;
  /** Longest one read may take, in ms (a backstop: damaged files fail at once). */
  timeoutMs: number;
}

const MB = 1024 * 1024;

export const DEFAULT_SHEET_LIMITS: SheetLimits = {
  maxInflatedBytes: 1024 * MB,
  maxPartBytes: 512 * MB,
  maxRatio: 100,
  maxSharedStrings: 2_000_000,
  maxSharedChars: 100_000_000,
  maxRows: 1_048_576,
  maxColumns: 16_384,
  maxCellChars: 1_000_000,
  memoryMb: 1024,
  timeoutMs: 300_000,
};

/** The environment variable that raises each limit, and the unit it is given in. */
export const LIMIT_ENV: Record<keyof SheetLimits, { name: string; unit: number }> = {
  maxInflatedBytes: { name: 'CONVEYOR_SHEET_MAX_MB', unit: MB },
  maxPartBytes: { name: 'CONVEYOR_SHEET_MAX_PART_MB', unit: MB },
  maxRatio: { name: 'CONVEYOR_SHEET_MAX_RATIO', unit: 1 },
  maxSharedStrings: { name: 'CONVEYOR_SHEET_MAX_SHARED_STRINGS', unit: 1 },
  maxSharedChars: { name: 'CONVEYOR_SHEET_MAX_SHARED_CHARS', unit: 1 },
  maxRows: { name: 'CONVEYOR_SHEET_MAX_ROWS', unit: 1 },
  maxColumns: { name: 'CONVEYOR_SHEET_MAX_COLUMNS', unit: 1 },
  maxCellChars: { name: 'CONVEYOR_SHEET_MAX_CELL_CHARS', unit: 1 },
  memoryMb: { name: 'CONVEYOR_SHEET_MEMORY_MB', unit: 1 },
  timeoutMs: { name: 'CONVEYOR_SHEET_TIMEOUT_S', unit: 1000 },
};

/** The limits in force: defaults, raised or lowered by the environment, then by `override` (tests). */
export function sheetLimits(override: Partial<SheetLimits> = {}, env: NodeJS.ProcessEnv = process.env): SheetLimits {
  const limits = { ...DEFAULT_SHEET_LIMITS };
  for (const key of Object.keys(LIMIT_ENV) as Array<keyof SheetLimits>) {
    const raw = env[LIMIT_ENV[key].name];
    if (raw === undefined || raw.trim() === '') continue;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) {
      throw new NodeError(
        'E_SHEET_LIMIT_INVALID',
        `${LIMIT_ENV[key].name}=${JSON.stringify(raw)} is not a positive number.`,
        `Set ${LIMIT_ENV[key].name} to a number greater than 0 (or remove it for the default, ${fmt(DEFAULT_SHEET_LIMITS[key] / LIMIT_ENV[key].unit)}) and start the studio again.`,
      );
    }
    limits[key] = Math.floor(n * LIMIT_ENV[key].unit);
  }
  return { ...limits, ...override };
}

const WHAT: Record<keyof SheetLimits, (v: number) => string> = {
  maxInflatedBytes: (v) => `${fmtMb(v)} once decompressed`,
  maxPartBytes: (v) => `${fmtMb(v)} in one part once decompressed`,
  maxRatio: (v) => `a part that decompresses to ${fmt(v)} times its size`,
  maxSharedStrings: (v) => `${fmt(v)} shared texts`,
  maxSharedChars: (v) => `${fmt(v)} characters of shared texts`,
  maxRows: (v) => `${fmt(v)} rows`,
  maxColumns: (v) => `${fmt(v)} columns in one row`,
  maxCellChars: (v) => `${fmt(v)} characters in one cell`,
  memoryMb: (v) => `${fmt(v)} MB of memory`,
  timeoutMs: (v) => `${fmt(Math.round(v / 1000))} s of reading`,
};

/**
 * E_SHEET_TOO_LARGE for a limit of the reader: which limit, the value found (at least), the limit,
 * and what to do — split the file, or have an admin raise the limit.
 */
export function limitExceeded(shown: string, limit: keyof SheetLimits, found: number, limits: SheetLimits, where = ''): NodeError {
  const env = LIMIT_ENV[limit];
  const max = WHAT[limit](limits[limit]);
  const err = new NodeError(
    'E_SHEET_TOO_LARGE',
    `"${shown}" is too large to read${where ? ` (${where})` : ''}: it has ${limit === 'memoryMb' || limit === 'timeoutMs' ? 'needed more than ' : ''}${WHAT[limit](found)}${limit === 'maxRatio' || limit === 'maxInflatedBytes' || limit === 'maxPartBytes' ? ' or more' : ''}, and the limit is ${max}.`,
    `Check that it is the right file (a damaged or hostile file can look small and decompress to gigabytes). If it is, split it into smaller files and start one run for each, or ask the admin to raise ${env.name} (now ${fmt(limits[limit] / env.unit)}).`,
  );
  (err as NodeError & { limit?: string }).limit = limit;
  return err;
}

function fmt(n: number): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

function fmtMb(bytes: number): string {
  return bytes >= MB ? `${fmt(bytes / MB)} MB` : `${fmt(bytes)} bytes`;
}
