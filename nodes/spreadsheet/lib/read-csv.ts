import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import Papa from 'papaparse';
import { NodeError } from '../../sdk/node-error.ts';
import { aborted, unreadable, type RowSink } from './sheet-file.ts';

/**
 * Streams the rows of a CSV file (UTF-8; the separator — comma, semicolon, tab… — is detected)
 * to `onRow` as they are parsed, so a file of any size is never held in memory. Values stay text.
 * Row numbers count every line a spreadsheet program would show, empty ones included; a quoted
 * value spanning several lines is one row.
 */
export async function readCsv(file: string, shown: string, onRow: RowSink, signal?: AbortSignal): Promise<void> {
  const delimiter = guessDelimiter(await readStart(file));
  return new Promise<void>((resolve, reject) => {
    const input = createReadStream(file, { encoding: 'utf8' });
    let row = 0;
    let settled = false;
    const finish = (err?: unknown) => {
      if (settled) return;
      settled = true;
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

async function readStart(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

const DELIMITERS = [',', ';', '\t', '|'] as const;

/**
 * The separator is the one used most in the first non-empty line (the header), outside quotes:
 * comma, semicolon (European Excel), tab or |. A single column means a comma.
 */
export function guessDelimiter(start: string): string {
  const line = start.replace(/^\ufeff/, '').split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ',';
  for (const d of DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
  return best;
}
