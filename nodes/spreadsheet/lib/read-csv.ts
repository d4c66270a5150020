import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import Papa from 'papaparse';
import { NodeError } from '../../../server/contract/node-error.ts';
import { aborted, unreadable, type RowSink } from './sheet-file.ts';
import { encodingOf, sampleText, TextDecodeStream, type TextEncodingChoice } from './text-encoding.ts';

export interface CsvOptions {
  /** The separator, or 'auto' to detect it from the header row and the rows below. */
  separator: SeparatorChoice;
  /** The row holding the column titles (rows above it may be a title, with other punctuation). */
  headerRow: number;
  /** The file's character encoding, or 'auto' (text-encoding.ts). */
  encoding?: TextEncodingChoice;
  /** The title of the setting where the person chooses the encoding, named when a file is refused. */
  encodingSetting?: string;
  /** Told the separator (given, named by a `sep=` line or guessed) before the first row. */
  onSeparator?: (separator: string) => void;
}

/**
 * Streams the rows of a CSV file (UTF-8, UTF-16 or the encoding given — text-encoding.ts; the
 * separator — comma, semicolon, tab, | — is detected or given) to `onRow` as they are parsed, so a
 * file of any size is never held in memory. Values stay text. A byte that is not text in the file's
 * encoding refuses the file (E_SHEET_ENCODING, with its line): no letter is ever replaced.
 * Row numbers count every line a spreadsheet program would show, empty ones included (not a first
 * line `sep=;`, which Excel reads as the separator); a quoted value spanning several lines is one row.
 */
export async function readCsv(file: string, shown: string, onRow: RowSink, signal?: AbortSignal, options: CsvOptions = { separator: 'auto', headerRow: 1 }): Promise<void> {
  const start = await readStart(file);
  const ctx = { shown, setting: options.encodingSetting };
  const { encoding, bom } = encodingOf(start.bytes, options.encoding ?? 'auto', ctx);
  const sample = sampleText(start.bytes, encoding, bom);
  // Excel's "sep=;" first line names the separator; Excel does not show it as a row, nor does this.
  const hint = SEP_LINE.exec(sample);
  const delimiter =
    options.separator !== 'auto'
      ? SEPARATORS[options.separator]
      : hint
        ? hint[1]
        : guessDelimiter(sample, options.headerRow, start.complete);
  let skip = hint ? 1 : 0;
  options.onSeparator?.(delimiter);
  return new Promise<void>((resolve, reject) => {
    const bytes = createReadStream(file);
    const input = new TextDecodeStream(encoding, bom, ctx);
    bytes.on('error', (err) => input.destroy(err));
    bytes.pipe(input);
    let row = 0;
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
      bytes.destroy();
      input.destroy();
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    let parser: Papa.Parser | null = null;
    const onAbort = () => {
      finish(aborted());
      parser?.abort();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) return onAbort();

    Papa.parse<string[]>(input, {
      header: false,
      delimiter,
      skipEmptyLines: false,
      dynamicTyping: false,
      step(result, p) {
        parser = p;
        if (settled) return;
        if (skip > 0) {
          skip--;
          return;
        }
        row++;
        const quote = result.errors.find((e) => e.type === 'Quotes');
        if (quote) {
          finish(
            new NodeError(
              'E_SHEET_UNREADABLE',
              `"${shown}" is not valid CSV: a quoted value that starts on row ${row} is never closed (a " is missing).`,
              'Open the file in a spreadsheet program or a text editor, close the quote on that row, save as "CSV UTF-8" and choose the file again.',
            ),
          );
          p.abort();
          return;
        }
        const values = result.data;
        if (row === 1 && typeof values[0] === 'string') values[0] = values[0].replace(/^\ufeff/, '');
        for (let i = 0; i < values.length; i++) {
          const v = values[i];
          if (v.charCodeAt(0) === 61 /* = */ && EXCEL_TEXT.test(v)) values[i] = v.slice(2, -1).replace(/""/g, '"');
        }
        try {
          onRow({ row, values });
        } catch (err) {
          finish(err); // first: abort() calls complete(), which must not resolve
          p.abort();
        }
      },
      complete() {
        finish();
      },
      error(err: Error) {
        finish(err instanceof NodeError ? err : unreadable(shown, err, 'CSV file'));
      },
    });
  });
}

/** The first 64 KiB of the file, and whether that is the whole file. */
async function readStart(file: string): Promise<{ bytes: Buffer; complete: boolean }> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return { bytes: buf.subarray(0, bytesRead), complete: bytesRead < buf.length };
  } finally {
    await handle.close();
  }
}

/**
 * `="007"`: how exports meant for Excel keep a text's leading zeros (Excel shows 007, as Google Sheets
 * does). The cell's value is the text; `=` followed by anything else stays as written.
 */
const EXCEL_TEXT = /^="(?:[^"]|"")*"$/;

/** A first line `sep=X` (Excel writes and honours it): the separator is X, and the line is not a row. */
const SEP_LINE = /^sep=([^\r\n"])\r?(?:\n|$)/i;

/** The separators a CSV file may use, as the Spreadsheet node's form names them. */
export const SEPARATORS = { comma: ',', semicolon: ';', tab: '\t', pipe: '|' } as const;
export type SeparatorChoice = 'auto' | keyof typeof SEPARATORS;

const DELIMITERS = Object.values(SEPARATORS);
/** Rows below the header looked at to confirm the separator. */
const SAMPLE_ROWS = 50;

/**
 * Finds the separator from the header row (`headerRow`, counted like the reader counts rows) and the
 * rows below it — never from the lines above, which may be a title ("Contacts, March 2024") written
 * with other punctuation. The separator is the one the header uses that splits the most rows below
 * into as many cells as the header (comma, semicolon as European Excel writes, tab or |); the header's
 * count breaks ties. A file where nothing separates the header is one column: comma.
 */
export function guessDelimiter(start: string, headerRow = 1, complete = true): string {
  const rows = countSeparators(start.replace(/^\ufeff/, ''), complete);
  const sample = rows.slice(Math.max(0, headerRow - 1)).filter((r) => !r.blank);
  const header = sample[0];
  if (!header) return ',';
  const below = sample.slice(1, SAMPLE_ROWS + 1);
  let best = ',';
  let bestScore = [-1, -1];
  for (const d of DELIMITERS) {
    const n = header.counts.get(d)!;
    if (n === 0) continue;
    const score = [below.filter((r) => r.counts.get(d) === n).length, n];
    if (score[0] > bestScore[0] || (score[0] === bestScore[0] && score[1] > bestScore[1])) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}

/** Per row (a quoted value may span lines): how often each separator occurs outside quotes. */
function countSeparators(text: string, complete: boolean): Array<{ blank: boolean; counts: Map<string, number> }> {
  const rows: Array<{ blank: boolean; counts: Map<string, number> }> = [];
  const fresh = () => ({ blank: true, counts: new Map<string, number>(DELIMITERS.map((d) => [d, 0])) });
  let row = fresh();
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      rows.push(row);
      row = fresh();
      continue;
    } else if (!quoted && row.counts.has(ch)) row.counts.set(ch, row.counts.get(ch)! + 1);
    if (ch.trim() !== '') row.blank = false;
  }
  // A last row cut by the end of the sample would be miscounted: only a complete file's is kept.
  if (complete) rows.push(row);
  return rows;
}
