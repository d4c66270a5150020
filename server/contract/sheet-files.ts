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

// Bytes as Uint8Array, compared by hand: this module is the studio's too, where there is no Buffer
// (Buffer here broke the editor page: "Buffer is not defined").
/** The first bytes of a zip (.xlsx, .ods). */
export const ZIP_MAGIC = new Uint8Array([0x50, 0x4b, 0x03, 0x04]);
/** The first bytes of an OLE2 compound file: an Excel 97-2003 .xls, or an .xlsx locked by a password (Excel and LibreOffice encrypt it into one). */
const OLE_MAGIC = new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
/** How many bytes from the start of a file `contentMismatch` needs. */
export const SHEET_HEAD_BYTES = OLE_MAGIC.length;

/** Whether `bytes` starts with `magic`. */
export function startsWith(bytes: Uint8Array, magic: Uint8Array): boolean {
  if (bytes.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[i] !== magic[i]) return false;
  return true;
}

/** Why a file's first bytes are not what its extension (`ext`, lower case: ".xlsx") says, and what to do; null when they agree. */
export function contentMismatch(name: string, ext: string, head: Uint8Array): { message: string; hint: string } | null {
  const isZip = startsWith(head, ZIP_MAGIC);
  if (startsWith(head, OLE_MAGIC)) {
    return {
      message: `"${name}" is not a real ${ext === '.xlsx' ? 'Excel workbook' : ext === '.ods' ? 'OpenDocument spreadsheet' : 'CSV file'}: it is an Excel 97-2003 workbook (.xls) renamed, or a workbook locked with a password.`,
      hint: 'Open it in Excel or LibreOffice (type its password if it asks), then save it as "Excel workbook (.xlsx)" without a password, or as "CSV UTF-8 (.csv)", and choose that file.',
    };
  }
  if (ext === '.xlsx' && !isZip) {
    return { message: `"${name}" is not a real Excel workbook: its content is not .xlsx (an old .xls or a CSV renamed to .xlsx?).`, hint: 'Open the file in Excel or LibreOffice and save it as "Excel workbook (.xlsx)", then choose that file.' };
  }
  if (ext === '.ods' && !isZip) {
    return {
      message: `"${name}" is not a real OpenDocument spreadsheet: its content is not .ods (a flat .fods or a CSV renamed to .ods?).`,
      hint: 'Open the file in LibreOffice and save it as "ODF Spreadsheet (.ods)" or "Excel 2007-365 (.xlsx)", then choose that file.',
    };
  }
  if (TEXT_SHEET_EXTENSIONS.includes(ext) && isZip) {
    return { message: `"${name}" is an Excel workbook named ${ext}.`, hint: 'Rename it to .xlsx, or save it from Excel as "CSV UTF-8 (.csv)".' };
  }
  return null;
}
