/**
 * The text of an .xlsx cell as its writer meant it. OOXML text escapes characters XML cannot hold as
 * `_xHHHH_` (their UTF-16 code): Excel writes a carriage return so (`line one_x000D_` + line feed, a
 * cell pasted from Windows text), and both Excel and LibreOffice write a text that itself looks like
 * an escape with its `_` escaped (`_x005F_x0041_` for the text `_x0041_`). Read as written, the cell
 * showed `_x000D_` or `_x005F_…` where Excel and Calc show the text.
 */
const ESCAPE = /_x([0-9A-Fa-f]{4})_/g;

export function ooxmlText(text: string): string {
  return text.includes('_x') ? text.replace(ESCAPE, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))) : text;
}
