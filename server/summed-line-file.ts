/**
 * A one-line secret file of the data folder (the admin password's hash, the tracking secret) written
 * with the SHA-256 of that line on a second line, `sha256:<hex>`, so that a damaged file is told as
 * damaged. Without it, a changed letter read as another valid value — another password's hash (the
 * operator's own was then "wrong" with no word of why), another tracking key (every link in mails
 * already sent, unsubscribe links too, stopped working) — and an emptied file read as no value.
 * Files written before the sum line (the value alone) are read as they are.
 */
import { createHash } from 'node:crypto';

const SUM_PREFIX = 'sha256:';

const sumOf = (value: string) => `${SUM_PREFIX}${createHash('sha256').update(value).digest('hex')}`;

/** The file's text for `value`. */
export function summedLine(value: string): string {
  return `${value}\n${sumOf(value)}\n`;
}

/** What a file's text holds: its value (checked against its sum line when it has one), or why it is damaged. */
export function readSummedLine(text: string): { value: string } | { damaged: string } {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length === 0) return { damaged: 'it is empty' };
  const [value, sum, ...rest] = lines;
  if (rest.length > 0) return { damaged: `it holds ${lines.length} lines where a value and its checksum are written` };
  if (sum !== undefined && sum !== sumOf(value)) return { damaged: 'its value does not match the checksum written with it' };
  return { value };
}
