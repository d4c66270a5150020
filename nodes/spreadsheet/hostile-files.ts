import { writeFileSync } from 'node:fs';
import zlib from 'node:zlib';

/**
 * Test helper: hand-built .xlsx files an attacker (or a broken disk) could send — zip bombs,
 * shared-string bombs, flipped bits — written with a minimal zip writer so that every byte of the
 * container is under the test's control (declared sizes may lie, parts may be huge once inflated).
 */

export interface ZipPart {
  name: string;
  /** The part's bytes as stored (deflated unless `method` is 0). */
  stored: Buffer;
  /** 8 = deflate, 0 = stored. */
  method: number;
  crc: number;
  /** Size once inflated, as the zip declares it (may lie). */
  size: number;
}

/** A part compressed the normal way. */
export function deflated(name: string, text: string | Buffer): ZipPart {
  const data = Buffer.isBuffer(text) ? text : Buffer.from(text);
  return { name, stored: zlib.deflateRawSync(data), method: 8, crc: zlib.crc32(data), size: data.length };
}

/**
 * A part made of `head`, then `body` repeated `times` times, then `tail`, compressed so that the
 * repetitions cost a few bytes each: every piece is deflated on its own and ended with a full
 * flush, so the compressed body can be repeated as it is. Inflates to head + body × times + tail.
 */
export function repeatedPart(name: string, head: string, body: string, times: number, tail: string, declaredSize?: number): ZipPart {
  const flush = { finishFlush: zlib.constants.Z_FULL_FLUSH };
  const chunk = body.repeat(Math.max(1, Math.floor(65_536 / body.length)));
  const perChunk = Math.floor(65_536 / body.length) || 1;
  const chunks = Math.floor(times / perChunk);
  const rest = times - chunks * perChunk;
  const headC = zlib.deflateRawSync(head, flush);
  const chunkC = zlib.deflateRawSync(chunk, flush);
  const restC = rest ? zlib.deflateRawSync(body.repeat(rest), flush) : Buffer.alloc(0);
  const tailC = zlib.deflateRawSync(tail);
  const stored = Buffer.concat([headC, ...Array.from({ length: chunks }, () => chunkC), restC, tailC]);
  let crc = zlib.crc32(head);
  const chunkBuf = Buffer.from(chunk);
  for (let i = 0; i < chunks; i++) crc = zlib.crc32(chunkBuf, crc);
  crc = zlib.crc32(body.repeat(rest), crc);
  crc = zlib.crc32(tail, crc);
  const size = Buffer.byteLength(head) + Buffer.byteLength(chunk) * chunks + Buffer.byteLength(body) * rest + Buffer.byteLength(tail);
  return { name, stored, method: 8, crc, size: declaredSize ?? size };
}

/** A zip file holding the parts, in that order (local headers, data, central directory). */
export function zipOf(parts: ZipPart[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const p of parts) {
    const name = Buffer.from(p.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0, 6);
    local.writeUInt16LE(p.method, 8);
    local.writeUInt32LE(0, 10); // time, date
    local.writeUInt32LE(p.crc >>> 0, 14);
    local.writeUInt32LE(p.stored.length, 18);
    local.writeUInt32LE(Math.min(p.size, 0xfffffffe), 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0, 8);
    central.writeUInt16LE(p.method, 10);
    central.writeUInt32LE(0, 12);
    central.writeUInt32LE(p.crc >>> 0, 16);
    central.writeUInt32LE(p.stored.length, 20);
    central.writeUInt32LE(Math.min(p.size, 0xfffffffe), 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, p.stored);
    centrals.push(central, name);
    offset += 30 + name.length + p.stored.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PKG_REL = 'http://schemas.openxmlformats.org/package/2006/relationships';

/** The parts every workbook needs around its one sheet "Sheet1" (sheet1.xml) and shared strings. */
export function workbookParts(): ZipPart[] {
  return [
    deflated(
      '[Content_Types].xml',
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    ),
    deflated('_rels/.rels', `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="${PKG_REL}"><Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`),
    deflated('xl/workbook.xml', `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="${NS}" xmlns:r="${REL_NS}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`),
    deflated(
      'xl/_rels/workbook.xml.rels',
      `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="${PKG_REL}"><Relationship Id="rId1" Type="${REL_NS}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${REL_NS}/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
    ),
  ];
}

export const SHEET_HEAD = `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="${NS}"><sheetData>`;
export const SHEET_TAIL = '</sheetData></worksheet>';
export const STRINGS_HEAD = `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="${NS}">`;
export const STRINGS_TAIL = '</sst>';

/** A sheet with a header "name" (shared string 0) and one row "Ada" (shared string 1). */
export function smallSheet(): ZipPart {
  return deflated(
    'xl/worksheets/sheet1.xml',
    `${SHEET_HEAD}<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c></row>${SHEET_TAIL}`,
  );
}

/** Shared strings "name", "Ada", then `count` more entries of `text` (compressed to almost nothing). */
export function sharedStringBomb(file: string, count: number, declaredSize?: number): string {
  const strings = repeatedPart('xl/sharedStrings.xml', `${STRINGS_HEAD}<si><t>name</t></si><si><t>Ada</t></si>`, '<si><t>xy</t></si>', count, STRINGS_TAIL, declaredSize);
  writeFileSync(file, zipOf([...workbookParts(), strings, smallSheet()]));
  return file;
}

/** A sheet part that inflates to about `bytes` (whitespace between rows), declaring `declaredSize` when given (a lie). */
export function zipBomb(file: string, bytes: number, declaredSize?: number): string {
  const filler = ' '.repeat(1024);
  const sheet = repeatedPart(
    'xl/worksheets/sheet1.xml',
    `${SHEET_HEAD}<row r="1"><c r="A1" t="s"><v>0</v></c></row>`,
    filler,
    Math.ceil(bytes / filler.length),
    `<row r="2"><c r="A2" t="s"><v>1</v></c></row>${SHEET_TAIL}`,
    declaredSize,
  );
  writeFileSync(file, zipOf([...workbookParts(), deflated('xl/sharedStrings.xml', `${STRINGS_HEAD}<si><t>name</t></si><si><t>Ada</t></si>${STRINGS_TAIL}`), sheet]));
  return file;
}

/** A sheet with a header row and `rows` rows of `columns` inline numbers each, rows numbered from `firstRow`. */
export function wideSheet(file: string, rows: number, columns: number, firstRow = 2): string {
  const cells = (r: number) => Array.from({ length: columns }, (_, c) => `<c r="${colName(c)}${r}"><v>${c}</v></c>`).join('');
  const body = Array.from({ length: rows }, (_, i) => `<row r="${firstRow + i}">${cells(firstRow + i)}</row>`).join('');
  const sheet = deflated('xl/worksheets/sheet1.xml', `${SHEET_HEAD}<row r="1"><c r="A1" t="s"><v>0</v></c></row>${body}${SHEET_TAIL}`);
  writeFileSync(file, zipOf([...workbookParts(), deflated('xl/sharedStrings.xml', `${STRINGS_HEAD}<si><t>name</t></si><si><t>Ada</t></si>${STRINGS_TAIL}`), sheet]));
  return file;
}

/** A sheet whose only data cell is an inline string of `chars` characters. */
export function bigCellSheet(file: string, chars: number): string {
  const sheet = repeatedPart('xl/worksheets/sheet1.xml', `${SHEET_HEAD}<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>`, 'abcdefgh', Math.ceil(chars / 8), `</t></is></c></row>${SHEET_TAIL}`);
  writeFileSync(file, zipOf([...workbookParts(), deflated('xl/sharedStrings.xml', `${STRINGS_HEAD}<si><t>name</t></si>${STRINGS_TAIL}`), sheet]));
  return file;
}

function colName(index: number): string {
  let n = index + 1;
  let s = '';
  while (n > 0) {
    const m = (n - 1) % 26;
    s = String.fromCharCode(65 + m) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

/** Where the compressed bytes of the part `name` lie in a zip file (from its local header). */
export function partData(zip: Buffer, name: string): { start: number; length: number } {
  let at = 0;
  while (at + 30 <= zip.length && zip.readUInt32LE(at) === 0x04034b50) {
    const flags = zip.readUInt16LE(at + 6);
    const nameLen = zip.readUInt16LE(at + 26);
    const extraLen = zip.readUInt16LE(at + 28);
    const partName = zip.subarray(at + 30, at + 30 + nameLen).toString();
    const start = at + 30 + nameLen + extraLen;
    let length = zip.readUInt32LE(at + 18);
    if (flags & 0x08) {
      // sizes in a data descriptor after the data: find them in the central directory instead
      length = centralSize(zip, partName);
    }
    if (partName === name) return { start, length };
    at = start + length + (flags & 0x08 ? (zip.readUInt32LE(start + length) === 0x08074b50 ? 16 : 12) : 0);
  }
  throw new Error(`no part ${name} in the zip`);
}

function centralSize(zip: Buffer, name: string): number {
  for (let at = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02])); at >= 0; at = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), at - 1)) {
    const nameLen = zip.readUInt16LE(at + 28);
    if (zip.subarray(at + 46, at + 46 + nameLen).toString() === name) return zip.readUInt32LE(at + 20);
  }
  throw new Error(`no central entry for ${name}`);
}

/** A copy of the zip with one bit flipped at `fraction` (0…1) of the compressed data of part `name`. */
export function flipBit(zip: Buffer, name: string, fraction: number, bit = 3): Buffer {
  const { start, length } = partData(zip, name);
  const copy = Buffer.from(zip);
  const at = start + Math.min(length - 1, Math.floor(length * fraction));
  copy[at] ^= 1 << bit;
  return copy;
}
