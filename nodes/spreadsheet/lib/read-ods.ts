/**
 * Streams the rows of one sheet of an OpenDocument spreadsheet (.ods: LibreOffice's and
 * OpenOffice's own format, also saved by Excel and Google Sheets) to `onRow`, within the same
 * limits as an .xlsx (limits.ts): the parts are read through BoundedZip, rows, columns and cells
 * bounded as they are parsed.
 *
 * A sheet is content.xml's `table:table`; its rows and cells may be repeated
 * (`number-rows-repeated`, `number-columns-repeated`). Every writer repeats the empty rows and columns
 * to the sheet's end (LibreOffice: 1,048,576 rows, 1,024 columns): repeats of nothing are counted,
 * never made; repeats of a value are made, within the limits. A cell's value: a number (float,
 * percentage, currency), a date (`2024-03-01`, or `…T13:05:00.000Z` with a time), a time of day
 * (as an .xlsx time: `1899-12-30T13:05:00.000Z`), a boolean (also a number the sheet shows as
 * TRUE/FALSE: ods-booleans.ts), or text — its paragraphs joined by line breaks (nothing between a
 * cell's elements), `text:s` spaces and tabs kept, comments (office:annotation) left out
 * (ods-cell-text.ts). A formula gives its result. Hidden sheets (a table style with `table:display="false"`) are skipped when no sheet is named.
 */
import { NodeError } from '../../../server/contract/node-error.ts';
import type { Json } from '../../sdk/types.ts';
import { BoundedZip } from './bounded-zip.ts';
import { dateToIso, durationText, shownNumber } from './cell-value.ts';
import { DEFAULT_SHEET_LIMITS, limitExceeded, type SheetLimits } from './limits.ts';
import { OdsBooleans, odsBoolean } from './ods-booleans.ts';
import { OdsCellText } from './ods-cell-text.ts';
import { headOf } from './part-head.ts';
import { aborted, type RowSink, type SheetRead } from './sheet-file.ts';
import { parseSax, type XmlTag } from './xml-events.ts';

export async function readOds(
  file: string,
  shown: string,
  sheet: string,
  onRow: RowSink,
  signal?: AbortSignal,
  limits: SheetLimits = DEFAULT_SHEET_LIMITS,
): Promise<SheetRead> {
  return BoundedZip.reading(file, shown, limits, 'spreadsheet', async (zip) => {
    if (!zip.has('content.xml')) {
      throw new NodeError('E_SHEET_UNREADABLE', `"${shown}" is not an OpenDocument spreadsheet: it has no content.xml.`, 'Open the file in LibreOffice or Excel and save it as .ods or .xlsx, then choose it again.');
    }
    // Saved with a password, its content is encrypted (the manifest says how): it read as "damaged".
    if (/<(?:\w+:)?encryption-data\b/.test(await headOf(zip, 'META-INF/manifest.xml'))) {
      throw new NodeError(
        'E_SHEET_UNREADABLE',
        `"${shown}" is locked with a password: its rows cannot be read.`,
        'Open it in LibreOffice (type its password), then save a copy without a password (File > Save As, "Save with password" unticked) and choose that copy.',
      );
    }
    return readContent(zip, shown, sheet, onRow, signal, limits);
  });
}

const count = (value: string | undefined): number => {
  const n = Number.parseInt(value ?? '1', 10);
  return Number.isSafeInteger(n) && n > 0 ? n : 1;
};

/** The reading of content.xml: table styles first (hidden sheets), then the chosen table's rows. */
async function readContent(zip: BoundedZip, shown: string, sheet: string, onRow: RowSink, signal: AbortSignal | undefined, limits: SheetLimits): Promise<SheetRead> {
  const wanted = sheet.trim();
  const hiddenStyles = new Set<string>();
  const names: string[] = [];
  /** The table being read: null outside a table, 'skip' for a table not chosen. */
  let table: { name: string; read: boolean } | null = null;
  let chosen: string | null = null;
  /** The chosen sheet, once read without a row: the names of the sheets after it are still wanted. */
  let readEmpty: string | null = null;
  let rowsRead = false;
  let styleName: string | null = null;

  let rowNumber = 0;
  let row: Json[] | null = null;
  let rowRepeat = 1;
  let rowStyle: string | undefined;
  let filled = false;
  let col = 0;
  const booleans = new OdsBooleans(limits.maxColumns);
  // The cell being read (`attributes` while its value may yet turn out a boolean).
  let cell: { value: Json; text: boolean; repeat: number; attributes: Record<string, string> } | null = null;
  const text = new OdsCellText();
  /** Inside an annotation (a comment): its text is not the cell's. */
  let note = 0;
  let n = 0;

  for await (const events of parseSax(await zip.part('content.xml'))) {
    if (signal?.aborted) throw aborted();
    for (const { eventType, value } of events) {
      if (eventType === 'opentag') {
        const tag = value as XmlTag;
        const a = tag.attributes;
        booleans.onTag(tag);
        switch (tag.name) {
          case 'style:style':
            styleName = a['style:family'] === 'table' ? (a['style:name'] ?? null) : null;
            break;
          case 'style:table-properties':
            if (styleName && a['table:display'] === 'false') hiddenStyles.add(styleName);
            break;
          case 'table:table': {
            const name = a['table:name'] ?? `Sheet${names.length + 1}`;
            names.push(name);
            const hidden = hiddenStyles.has(a['table:style-name'] ?? '');
            const read = chosen === null && (wanted ? name === wanted || name.trim().toLowerCase() === wanted.toLowerCase() : !hidden);
            if (read) chosen = name;
            table = { name, read };
            rowNumber = 0;
            break;
          }
          case 'table:table-row':
            if (!table?.read) break;
            row = [];
            rowRepeat = count(a['table:number-rows-repeated']);
            rowStyle = a['table:default-cell-style-name'];
            filled = false;
            col = 0;
            break;
          case 'table:table-cell':
          case 'table:covered-table-cell':
            if (!row) break;
            {
              // A formula's error (#DIV/0!) is written as a number 0 with the error as its text.
              const error = a['calcext:value-type'] === 'error';
              const textual = error || (a['office:value-type'] === 'string' && a['office:string-value'] === undefined);
              cell = { value: error ? null : cellValue(a), text: textual, repeat: count(a['table:number-columns-repeated']), attributes: a };
            }
            text.reset();
            break;
          case 'office:annotation':
          case 'draw:frame':
          case 'draw:custom-shape':
          case 'draw:g':
            // A comment, or a shape or image anchored to the cell: its text is not the cell's.
            note++;
            break;
          case 'text:p':
          case 'text:h':
            if (cell && note === 0) text.openParagraph();
            break;
          case 'text:s':
            if (cell && note === 0) text.add(' '.repeat(Math.min(count(a['text:c']), limits.maxCellChars)));
            break;
          case 'text:tab':
            if (cell && note === 0) text.add('\t');
            break;
          case 'text:line-break':
            if (cell && note === 0) text.add('\n');
            break;
          default:
            break;
        }
      } else if (eventType === 'text') {
        if (cell && note === 0) {
          text.add(value as string);
          if (text.length > limits.maxCellChars) throw limitExceeded(shown, 'maxCellChars', text.length, limits, `row ${rowNumber + 1}`);
        }
      } else if (eventType === 'closetag') {
        const name = (value as XmlTag).name;
        switch (name) {
          case 'style:style':
            styleName = null;
            break;
          case 'text:p':
          case 'text:h':
            if (cell && note === 0) text.closeParagraph();
            break;
          case 'office:annotation':
          case 'draw:frame':
          case 'draw:custom-shape':
          case 'draw:g':
            if (note > 0) note--;
            break;
          case 'table:table-cell':
          case 'table:covered-table-cell':
            if (row && cell) {
              let v = cell.value;
              // Text cells (and cells whose type says nothing of their value) are what their paragraphs say.
              if (cell.text || (v === null && text.value !== '')) v = text.value;
              else if (typeof v === 'number' && booleans.showsBoolean(v, cell.attributes, rowStyle, col, text.value)) v = v !== 0;
              // A number shown with leading zeros (a format of zeros only: 00712): the text it shows,
              // as an .xlsx reads it (cell-value.ts).
              else if (typeof v === 'number' && /^0\d+$/.test(text.value) && Number(text.value) === v) v = text.value;
              if (v !== null && v !== '') {
                if (col + cell.repeat > limits.maxColumns) throw limitExceeded(shown, 'maxColumns', col + cell.repeat, limits, `row ${rowNumber + 1}`);
                for (let k = 0; k < cell.repeat; k++) row[col + k] = v;
                filled = true;
              }
              col += cell.repeat;
            }
            cell = null;
            break;
          case 'table:table-row':
            if (!row) break;
            if (filled) {
              for (let k = 0; k < rowRepeat; k++) {
                rowNumber++;
                if (rowNumber > limits.maxRows) throw limitExceeded(shown, 'maxRows', rowNumber, limits, `sheet "${table!.name}"`);
                if ((++n & 1023) === 0 && signal?.aborted) throw aborted();
                const values: Json[] = new Array(row.length);
                for (let c = 0; c < row.length; c++) values[c] = row[c] ?? '';
                onRow({ row: rowNumber, values });
              }
              rowsRead = true;
            } else rowNumber += rowRepeat;
            row = null;
            break;
          case 'table:table':
            // The chosen sheet is read: the others need not be (but their names, when it held no row).
            if (table?.read && rowsRead) return { sheet: table.name, sheets: names };
            if (table?.read) readEmpty = table.name;
            table = null;
            break;
          default:
            break;
        }
      }
    }
  }
  if (readEmpty !== null) return { sheet: readEmpty, sheets: names };
  const list = names.map((s) => `"${s}"`).join(', ');
  if (names.length === 0) throw new NodeError('E_SHEET_UNREADABLE', `"${shown}" holds no sheet.`, 'Open the file in LibreOffice or Excel, check that it has a sheet with your rows, and save it again.');
  throw new NodeError(
    'E_SHEET_NOT_FOUND',
    wanted ? `"${shown}" has no sheet named "${wanted}" (its sheets: ${list}).` : `Every sheet of "${shown}" is hidden (${list}).`,
    wanted ? 'Correct the Sheet setting of the Spreadsheet node, or leave it empty to read the first sheet.' : 'Type the name of the sheet to read in the Sheet setting of the Spreadsheet node.',
  );
}

/** A cell's value from its attributes; null when its text says it (text cells, untyped cells). */
function cellValue(a: Record<string, string>): Json {
  switch (a['office:value-type']) {
    case 'float':
    case 'percentage':
    case 'currency': {
      const v = Number(a['office:value']);
      return Number.isFinite(v) ? shownNumber(v) : null;
    }
    case 'date':
      return isoDate(a['office:date-value']);
    case 'time':
      return isoTime(a['office:time-value']);
    case 'boolean':
      // "1" is true too (xsd:boolean): it read false.
      return odsBoolean(a['office:boolean-value']);
    case 'string':
      return a['office:string-value'] ?? null;
    default:
      return null;
  }
}

/** `2024-03-01` or `2024-03-01T13:05:00[.5]`: wall-clock time, read as UTC like an .xlsx date. */
function isoDate(value: string | undefined): Json {
  if (!value) return null;
  const zoned = /(?:Z|[+-]\d\d:?\d\d)$/.test(value) || /^-?\d{4,}-\d\d-\d\d$/.test(value);
  const d = new Date(zoned ? value : `${value}Z`);
  return Number.isNaN(d.getTime()) ? value : dateToIso(d);
}

/**
 * `PT13H05M00S` (a time of day, or a duration) as the cell shows it, as an .xlsx time cell reads:
 * `13:05:00`; a duration past a day keeps its hours (`PT36H`: `36:00:00`).
 */
function isoTime(value: string | undefined): Json {
  const m = /^(-)?P(?:(\d+)D)?T?(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$/.exec(value ?? '');
  if (!m) return value ?? null;
  const seconds = (Number(m[2] ?? 0) * 24 + Number(m[3] ?? 0)) * 3600 + Number(m[4] ?? 0) * 60 + Number(m[5] ?? 0);
  return durationText((m[1] ? -1 : 1) * seconds);
}
