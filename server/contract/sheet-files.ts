/** The spreadsheet files a run takes (the Spreadsheet and search-terms triggers, uploads, the run dialog). */
export const SHEET_EXTENSIONS = ['.xlsx', '.ods', '.csv'] as const;

/** What the run dialog's file picker offers: the extensions and their media types. */
export const SHEET_ACCEPT = '.xlsx,.ods,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,application/vnd.oasis.opendocument.spreadsheet,text/csv';

/** Whether `name` ends in one of SHEET_EXTENSIONS (any case). */
export function isSheetName(name: string): boolean {
  const lower = name.toLowerCase();
  return SHEET_EXTENSIONS.some((ext) => lower.endsWith(ext));
}
