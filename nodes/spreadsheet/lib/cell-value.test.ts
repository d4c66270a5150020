import { describe, expect, it } from 'vitest';
import { cellToJson, dateToIso, excelSerialToDate, isDateFormat, isEmptyValue, type DateSystem } from './cell-value.ts';

describe('cellToJson', () => {
  it('keeps text, numbers and booleans; an empty cell is ""', () => {
    expect(cellToJson('Ada')).toBe('Ada');
    expect(cellToJson(12.5)).toBe(12.5);
    expect(cellToJson(0)).toBe(0);
    expect(cellToJson(false)).toBe(false);
    expect(cellToJson(null)).toBe('');
    expect(cellToJson(undefined)).toBe('');
    expect(cellToJson(Number.NaN)).toBe('');
  });

  it('rich text → plain text, hyperlink → its text, error → its code', () => {
    expect(cellToJson({ richText: [{ text: 'Ada ' }, { text: 'Lovelace', font: { bold: true } }] })).toBe('Ada Lovelace');
    expect(cellToJson({ text: 'site', hyperlink: 'https://example.com' })).toBe('site');
    expect(cellToJson({ text: { richText: [{ text: 'rich ' }, { text: 'link' }] }, hyperlink: 'https://example.com' })).toBe('rich link');
    expect(cellToJson({ error: '#DIV/0!' })).toBe('#DIV/0!');
  });

  it('formulas → their result, dated when the cell shows a date; no result → ""', () => {
    expect(cellToJson({ formula: 'A1*2', result: 84 })).toBe(84);
    expect(cellToJson({ formula: 'A1&B1', result: 'ab' })).toBe('ab');
    expect(cellToJson({ sharedFormula: 'A1', result: 7 })).toBe(7);
    expect(cellToJson({ formula: 'TODAY()', result: 45352 }, 'dd/mm/yyyy')).toBe('2024-03-01');
    expect(cellToJson({ formula: '1/0', result: { error: '#DIV/0!' } })).toBe('#DIV/0!');
    expect(cellToJson({ formula: 'A1' })).toBe('');
  });

  it('dates → ISO text: the date alone at midnight, the full time otherwise', () => {
    expect(cellToJson(new Date(Date.UTC(2024, 2, 1)))).toBe('2024-03-01');
    expect(cellToJson(new Date(Date.UTC(2024, 2, 1, 9, 30)))).toBe('2024-03-01T09:30:00.000Z');
    expect(dateToIso(new Date(Number.NaN))).toBe('');
  });

  it('Excel serial dates, both date systems', () => {
    expect(excelSerialToDate(45352)?.toISOString()).toBe('2024-03-01T00:00:00.000Z');
    expect(excelSerialToDate(45352.5)?.toISOString()).toBe('2024-03-01T12:00:00.000Z');
    expect(excelSerialToDate(43890, '1904')?.toISOString()).toBe('2024-03-01T00:00:00.000Z');
  });

  it('January and February 1900 read as Excel shows them; its 1900-02-29 (serial 60) stays the number stored', () => {
    const shown = (serial: number, dates: DateSystem = '1900') => cellToJson(serial, 'yyyy-mm-dd', dates);
    // Excel counts a 1900-02-29 that never was: the serials before it are not a day early.
    expect([1, 2, 31, 32, 59].map((s) => shown(s))).toEqual(['1900-01-01', '1900-01-02', '1900-01-31', '1900-02-01', '1900-02-28']);
    expect(shown(59.75)).toBe('1900-02-28T18:00:00.000Z');
    expect(shown(1.5)).toBe('1900-01-01T12:00:00.000Z');
    // No real day stands for serial 60: another day would be a silent change.
    expect(shown(60)).toBe(60);
    expect(shown(60.5)).toBe(60.5);
    expect(cellToJson({ formula: 'DATE(1900,2,29)', result: 60 }, 'd/m/yyyy')).toBe(60);
    expect(excelSerialToDate(60)).toBeNull();
    // From 1900-03-01 on, as before.
    expect([61, 366, 45352].map((s) => shown(s))).toEqual(['1900-03-01', '1900-12-31', '2024-03-01']);
    // The 1904 date system has no such day: 1904 is a leap year, its serial 59 is 1904-02-29.
    expect([0, 1, 59, 60].map((s) => shown(s, '1904'))).toEqual(['1904-01-01', '1904-01-02', '1904-02-29', '1904-03-01']);
    // Before 1900 (Excel holds none): LibreOffice and exceljs count from 1899-12-30, Gnumeric goes on
    // below Excel's serial 1 (1900-01-01), its serial 0 1899-12-31. Times of day (0 to 1) alike.
    expect(shown(-30701)).toBe('1815-12-10');
    expect(shown(-30702, '1900-gnumeric')).toBe('1815-12-10');
    expect(shown(-1, '1900-gnumeric')).toBe('1899-12-30');
    expect([1, 59, 60, 61].map((s) => shown(s, '1900-gnumeric'))).toEqual(['1900-01-01', '1900-02-28', 60, '1900-03-01']);
    expect(cellToJson(0.5, 'yyyy-mm-dd hh:mm', '1900-gnumeric')).toBe(cellToJson(0.5, 'yyyy-mm-dd hh:mm'));
    // LibreOffice counts every serial from 1899-12-30: its 1900-01-01 is 2, its 1900-02-28 is 60.
    expect([-1, 1, 2, 60, 61].map((s) => shown(s, '1900-libreoffice'))).toEqual(['1899-12-29', '1899-12-31', '1900-01-01', '1900-02-28', '1900-03-01']);
  });

  it('a time with no date reads as the cell shows it: 09:30:00; a duration in an elapsed format keeps its hours', () => {
    expect(cellToJson(0.5, 'hh:mm')).toBe('12:00:00');
    expect(cellToJson(0.395833333333, 'h:mm AM/PM')).toBe('09:30:00');
    expect(cellToJson(0.4, 'hh:mm:ss')).toBe('09:36:00');
    expect(cellToJson(1 / 86_400 / 4 * 5, 'mm:ss.000')).toBe('00:00:01.250');
    expect(cellToJson(0, 'hh:mm')).toBe('00:00:00');
    expect(cellToJson(1.5104166666, '[h]:mm')).toBe('36:15:00');
    expect(cellToJson(0.5, '[h]:mm:ss')).toBe('12:00:00');
    expect(cellToJson({ formula: 'B2-A2', result: 0.0625 }, 'h:mm')).toBe('01:30:00');
    // A date and time shown as its time only keeps the date; a date format is a date.
    expect(cellToJson(45352.5, 'hh:mm')).toBe('2024-03-01T12:00:00.000Z');
    expect(cellToJson(45352.5, 'yyyy-mm-dd hh:mm')).toBe('2024-03-01T12:00:00.000Z');
    expect(cellToJson(0.5, 'dd/mm/yyyy')).toBe('1899-12-30T12:00:00.000Z');
    expect(cellToJson(0.5, '0.00')).toBe(0.5);
  });

  it('isDateFormat tells date formats from number formats', () => {
    for (const f of ['yyyy-mm-dd', 'dd/mm/yyyy', 'm/d/yy h:mm', 'mmm-yy', 'hh:mm:ss', '[$-409]d-mmm-yy', '[h]', '[mm]']) expect(isDateFormat(f), f).toBe(true);
    for (const f of ['General', '0.00', '#,##0', '0%', '"days" 0', '[Red]0.00', '0.00E+00']) expect(isDateFormat(f), f).toBe(false);
  });

  it('isEmptyValue: "", spaces, null', () => {
    expect([isEmptyValue(''), isEmptyValue('  '), isEmptyValue(null), isEmptyValue(undefined)]).toEqual([true, true, true, true]);
    expect([isEmptyValue(0), isEmptyValue(false), isEmptyValue('x')]).toEqual([false, false, false]);
  });
});
