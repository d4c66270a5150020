/**
 * Excel's built-in number formats whose text depends on the language of Excel (ECMA-376 part 1,
 * 18.8.30): a workbook saved by a Chinese, Japanese, Korean or Thai Excel refers to them by number
 * alone (`numFmtId="57"`, no format text in the file). exceljs knows none of them, so such a date
 * read as its day number (45352 for 2024-03-01). Each shows a date or a time; which one, for some,
 * depends on the language (34: a time in Chinese, a month in Japanese): those take a time format,
 * which reads a value under a day as its time and a larger one as its date (cell-value.ts).
 */
const DATES = [27, 28, 29, 30, 31, 36, 50, 51, 54, 57, 58, 71, 72, 73, 74, 77, 81];
const TIMES_OR_DATES = [32, 33, 34, 35, 52, 53, 55, 56, 75, 76, 78, 80];
const DURATIONS = [79];

/** A format text standing for built-in format `id` when it is one of those, else undefined. */
export function localeBuiltinFormat(id: number | undefined): string | undefined {
  if (id === undefined) return undefined;
  if (DATES.includes(id)) return 'yyyy-mm-dd hh:mm:ss';
  if (TIMES_OR_DATES.includes(id)) return 'hh:mm:ss';
  if (DURATIONS.includes(id)) return '[h]:mm:ss';
  return undefined;
}
