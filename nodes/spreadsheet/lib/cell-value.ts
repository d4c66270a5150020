import type { Json } from '../../sdk/types.ts';

/**
 * Turns what a spreadsheet cell holds into plain JSON, the way the operator sees the cell:
 * text stays text, numbers stay numbers, booleans stay booleans, rich text becomes its plain
 * text, a hyperlink its text, a formula its last computed result, an error its code (#N/A),
 * a date an ISO 8601 text ("2024-03-01" at midnight, "2024-03-01T13:05:00.000Z" otherwise), a time
 * with no date its time ("09:30:00", a duration "36:15:00") — but
 * Excel's 1900-02-29, a day that never was, stays the number it is stored as (60).
 * An empty cell becomes "" (like an empty CSV value).
 *
 * `numFmt` is the cell's number format: a formula whose number result is shown as a date
 * becomes a date. `dates` is the workbook's date system (`DateSystem`).
 */
export function cellToJson(value: unknown, numFmt?: string, dates: DateSystem = '1900'): Json {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return '';
    if (numFmt && BOOLEAN_FORMAT.test(numFmt)) return value !== 0;
    if (numFmt && ZERO_PADDED.test(numFmt) && Number.isSafeInteger(value) && value >= 0 && String(value).length < numFmt.length) return String(value).padStart(numFmt.length, '0');
    if (!numFmt || !isDateFormat(numFmt)) return shownNumber(value);
    // A time with no date, as the cell shows it: 09:30:00 (not 1899-12-30T09:30:00.000Z); a
    // duration in an elapsed format ([h]:mm) as its hours, minutes and seconds, 36:15:00.
    const time = timeOf(value, numFmt);
    if (time !== null) return time;
    // Excel's 1900-02-29 (serial 60) is no day: the number as stored, not a day next to it.
    const date = excelSerialToDate(value, dates);
    return date ? dateToIso(date) : value;
  }
  if (typeof value === 'boolean') return value;
  if (value instanceof Date) return dateToIso(value);
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v.richText)) return richTextToString(v.richText);
    if ('formula' in v || 'sharedFormula' in v || 'result' in v) return cellToJson(v.result, numFmt, dates);
    if ('hyperlink' in v || 'text' in v) return cellToJson(v.text, undefined, dates);
    if ('error' in v) return String(v.error);
  }
  return String(value);
}

/**
 * A number as a spreadsheet holds it for the person: at most 15 significant digits, as Excel and
 * Calc show and store what is typed. A computed result saved with its binary noise
 * (`0.30000000000000004` for =0.1+0.2, as Excel and exceljs write it) is the 0.3 the cell shows — the
 * .ods LibreOffice saves from it holds 0.3 too. Integers are kept whole (a 16-digit id stays exact).
 */
export function shownNumber(value: number): number {
  return Number.isInteger(value) ? value : Number(value.toPrecision(15));
}

/**
 * LibreOffice's boolean number format, as it saves it in an .xlsx: `"TRUE";"TRUE";"FALSE"` (in its
 * language: `"WAHR";"WAHR";"FALSCH"`) — a number cell shown TRUE or FALSE (a formula =IF(…;1;0), a cell
 * formatted as a boolean), which read as 1 or 5 where Calc shows TRUE.
 */
const BOOLEAN_FORMAT = /^"([^"]+)";"\1";"(?!\1")[^"]+"$/;

/**
 * A format of zeros only (`00000`: Excel's "Zip Code", an id or a customer number with a fixed
 * number of digits): the cell holds the number 712 and shows 00712. Read as the number, the leading
 * zeros were lost (and a pattern such as [0-9]{5} refused the row): it reads as the text it shows.
 * A number the zeros do not lengthen (90210) stays a number, as in an .ods (read-ods.ts).
 */
const ZERO_PADDED = /^0{2,}$/;

function richTextToString(parts: unknown[]): string {
  return parts.map((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? (p as { text: string }).text : '')).join('');
}

/** "" and text made only of spaces count as empty. */
export function isEmptyValue(value: Json | undefined): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/** An ISO text: the date alone when the time is exactly midnight (a plain date cell). */
export function dateToIso(date: Date): string {
  const t = date.getTime();
  if (Number.isNaN(t)) return '';
  const iso = date.toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
}

/** Days since 1899-12-30 (LibreOffice's day count, and Excel's from 1900-03-01 on), read as UTC wall-clock time. */
export function daysToDate(days: number): Date {
  return new Date(Math.round((days - 25569) * 86_400_000));
}

/**
 * How a workbook counts its serial days. `1900`: Excel's (and what LibreOffice and exceljs write).
 * `1904`: days since 1904-01-01 (old Mac workbooks, `date1904` in the workbook). `1900-gnumeric`:
 * Excel's, but dates before 1900 — which Excel cannot hold — written by Gnumeric as that count goes
 * on below serial 1 (1815-12-10 as −30702, where a count from 1899-12-30 gives −30701: Gnumeric's serial 0 is
 * 1899-12-31, LibreOffice's 1899-12-30); told by the writer's name in docProps/app.xml.
 * `1900-libreoffice`: days since 1899-12-30 throughout, as LibreOffice counts and writes them — its
 * own 1900-01-01 is serial 2, its 1900-02-28 serial 60 (Excel's 1900-01-02 and 1900-02-29):
 * read as Excel would, LibreOffice's dates of 1899-12-31 to 1900-02-28 were a day late.
 */
export type DateSystem = '1900' | '1904' | '1900-gnumeric' | '1900-libreoffice';

/**
 * Excel stores dates as serial days (or days since 1904-01-01 in the 1904 date system). The 1900
 * system counts a 1900-02-29 that never was (serial 60, kept from Lotus 1-2-3 for compatibility), so
 * serials 1-59 (1900-01-01..1900-02-28) are one day behind a true count from 1899-12-30: read
 * plainly they were a day early. Serial 60 is that non-existent day: null, no real date stands for
 * it (the caller keeps the number). From 0 to 1 is a time of day with no date: 1899-12-30, as usual;
 * below 0 a date before 1900, counted as its writer did (`DateSystem`).
 */
export function excelSerialToDate(serial: number, dates: DateSystem = '1900'): Date | null {
  if (dates === '1904') return daysToDate(serial + 1462);
  if (dates === '1900-libreoffice') return daysToDate(serial);
  if (serial >= 60 && serial < 61) return null;
  if (serial < 0 && dates === '1900-gnumeric') return daysToDate(serial + 1);
  return daysToDate(serial >= 1 && serial < 60 ? serial + 1 : serial);
}

/** A number format without its colours, conditions and locales ([…]), quoted text and escaped characters. */
function bareFormat(numFmt: string): string {
  return numFmt.replace(/\[[^\]]*]/g, '').replace(/"[^"]*"/g, '').replace(/\\./g, '');
}

/** True when a number format shows a date or a time (d, m, y, h, s outside quotes and [brackets]). */
export function isDateFormat(numFmt: string): boolean {
  const bare = bareFormat(numFmt);
  return (/[dmyhs]/i.test(bare) || ELAPSED.test(numFmt)) && !/^general$/i.test(bare.trim());
}

/** An elapsed-time part of a format: [h], [mm], [ss] — hours past a day keep counting. */
const ELAPSED = /\[(?:h+|m+|s+)\]/i;

/**
 * The time a cell shows when its format shows a time and no date (h:mm, hh:mm:ss AM/PM, mm:ss,
 * [h]:mm): a time of day for a value under one day, a duration for an elapsed format; null for
 * anything else (a date, or a date and time shown as its time only: the date is kept then).
 */
function timeOf(days: number, numFmt: string): string | null {
  const bare = bareFormat(numFmt);
  const elapsed = ELAPSED.test(numFmt);
  if (/[dy]/i.test(bare) || !(elapsed || /[hs]/i.test(bare))) return null;
  if (!elapsed && !(days >= 0 && days < 1)) return null;
  return durationText(days * 86_400);
}

/** Seconds as "HH:MM:SS" (hours past 24 kept: "36:15:00"; milliseconds when there are: "00:00:01.250"; "-" before a negative one). */
export function durationText(seconds: number): string {
  const ms = Math.round(Math.abs(seconds) * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const frac = ms % 1000;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${seconds < 0 && ms > 0 ? '-' : ''}${two(h)}:${two(m)}:${two(s)}${frac ? `.${String(frac).padStart(3, '0')}` : ''}`;
}
