/** The spreadsheet files a run takes (the Spreadsheet and search-terms triggers, uploads, the run dialog). */
export const SHEET_EXTENSIONS = ['.xlsx', '.ods', '.csv', '.tsv', '.txt'] as const;

/** Delimited text (read as CSV: the separator found, tab for Excel's "Unicode Text" .txt). */
export const TEXT_SHEET_EXTENSIONS: readonly string[] = ['.csv', '.tsv', '.txt'];

/** How a refusal names the files taken. */
export const SHEET_NAMES = '.xlsx, .ods, .csv, .tsv or .txt';

/** What the run dialog's file picker offers: the extensions and their media types. */
export const SHEET_ACCEPT = '.xlsx,.ods,.csv,.tsv,.txt,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,application/vnd.oasis.opendocument.spreadsheet,text/csv,text/tab-separated-values,text/plain';

/** Whether `name` ends in one of SHEET_EXTENSIONS (any case). */
export function isSheetName(name: string): boolean {
  const lower = name.toLowerCase();
  return SHEET_EXTENSIONS.some((ext) => lower.endsWith(ext));
}
