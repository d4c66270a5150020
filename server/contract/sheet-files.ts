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
  return sheetExtension(name) !== null;
}

/** The one of SHEET_EXTENSIONS `name` ends in (any case), in lower case; null for none. */
export function sheetExtension(name: string): (typeof SHEET_EXTENSIONS)[number] | null {
  const lower = name.toLowerCase();
  return SHEET_EXTENSIONS.find((ext) => lower.endsWith(ext)) ?? null;
}

/** Spreadsheet files of other programs that a run does not read, named as their programs name them. */
const OTHER_SPREADSHEETS: Record<string, string> = {
  '.xls': 'an Excel 97-2003 workbook (.xls)',
  '.xlsm': 'an Excel macro-enabled workbook (.xlsm)',
  '.xlsb': 'an Excel binary workbook (.xlsb)',
  '.numbers': 'an Apple Numbers spreadsheet (.numbers)',
  '.fods': 'a flat OpenDocument spreadsheet (.fods)',
};

/** What a file of another spreadsheet program is (its extension, any case), or null. */
export function otherSpreadsheet(ext: string): string | null {
  return OTHER_SPREADSHEETS[ext.toLowerCase()] ?? null;
}
