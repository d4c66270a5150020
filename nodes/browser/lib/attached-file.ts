import { NodeError } from '../../../server/contract/node-error.ts';

/** A file made from the record, to put into a page's file field (attach-file.ts). */
export interface FileToAttach {
  name: string;
  /** Its media type (given, or from the name's extension). */
  type: string;
  bytes: Buffer;
}

/**
 * The largest file attached: the browser is handed the bytes themselves, which Playwright carries to
 * it in one message of at most 50 MB. Files a form takes (a CV, a scan, a photo) are far smaller.
 */
export const MAX_ATTACH_BYTES = 50 * 1024 * 1024;

/** Media types by extension: what browsers and sites expect of the usual files a form takes. */
const TYPES: Record<string, string> = {
  txt: 'text/plain',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  md: 'text/markdown',
  html: 'text/html',
  htm: 'text/html',
  xml: 'application/xml',
  json: 'application/json',
  pdf: 'application/pdf',
  rtf: 'application/rtf',
  zip: 'application/zip',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  heic: 'image/heic',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ppt: 'application/vnd.ms-powerpoint',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  odt: 'application/vnd.oasis.opendocument.text',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
  mp3: 'audio/mpeg',
  mp4: 'video/mp4',
};

const FALLBACK_TYPE = 'application/octet-stream';

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

/** The media type a file of this name has, as far as its extension tells. */
function typeOfName(name: string): string {
  return TYPES[extensionOf(name)] ?? FALLBACK_TYPE;
}

const HINT_NAME = 'Set File name to a plain name with an extension, e.g. cv-{{ lastName }}.pdf — the record field it uses must not be empty.';

/**
 * The file the step's settings make of the record: its name (a plain name, nothing that reads as a
 * folder), its bytes (text as UTF-8, or decoded from base64 — anything else in base64 is refused,
 * never dropped), and its media type. Bad input is refused with E_INPUT_INVALID and nothing attached.
 */
export function fileFromRecord(name: string, content: string, encoding: 'text' | 'base64', contentType: string): FileToAttach {
  const trimmed = checkedName(name);
  return checkedFile(trimmed, encoding === 'base64' ? fromBase64(content) : Buffer.from(content, 'utf8'), contentType);
}

/**
 * A file chosen in the studio and kept with the flow, under the File name when it renders to a name
 * (else its own), typed by Content type, else as the browser told it when chosen, else by extension.
 */
export function fileFromFlow(kept: { name: string; type: string; bytes: Buffer }, name: string, contentType: string): FileToAttach {
  const trimmed = checkedName(name.trim() === '' ? kept.name : name);
  return checkedFile(trimmed, kept.bytes, contentType === '' && trimmed === kept.name ? kept.type : contentType);
}

function checkedName(name: string): string {
  const trimmed = name.trim();
  if (trimmed === '') throw new NodeError('E_INPUT_INVALID', 'The file name is empty, so no file was attached.', HINT_NAME);
  if (/[\\/\u0000-\u001f]/.test(trimmed) || trimmed === '.' || trimmed === '..') {
    throw new NodeError('E_INPUT_INVALID', `The file name ${JSON.stringify(trimmed.slice(0, 200))} is not a plain file name (it holds a folder separator or a control character), so no file was attached.`, HINT_NAME);
  }
  if (trimmed.length > 255) throw new NodeError('E_INPUT_INVALID', `The file name is ${trimmed.length} characters long; a file name can be at most 255.`, HINT_NAME);
  return trimmed;
}

function checkedFile(name: string, bytes: Buffer, contentType: string): FileToAttach {
  if (bytes.length > MAX_ATTACH_BYTES) {
    throw new NodeError('E_INPUT_INVALID', `The file ${JSON.stringify(name)} would hold ${bytes.length} bytes; a file attached can hold at most ${MAX_ATTACH_BYTES / 1024 / 1024} MB.`, 'Attach a smaller file (a form seldom takes more than a few MB).');
  }
  const type = contentType === '' ? typeOfName(name) : contentType;
  if (!/^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*(\s*;.*)?$/i.test(type)) {
    throw new NodeError('E_INPUT_INVALID', `The content type ${JSON.stringify(type.slice(0, 100))} is not a media type (type/subtype, e.g. application/pdf).`, 'Fix the Content type setting, or leave it empty to take the type from the file name.');
  }
  return { name, type, bytes };
}

/** Base64 (standard or URL-safe, padded or not, line breaks allowed) to bytes; anything else refused. */
function fromBase64(content: string): Buffer {
  // A data: address (what a browser's FileReader gives) carries its base64 after the comma.
  const given = content.replace(/^data:[^,]*;base64,/i, '');
  const text = given.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text) || text.length % 4 === 1) {
    const bad = /[^A-Za-z0-9+/_=\s-]/.exec(given);
    throw new NodeError(
      'E_INPUT_INVALID',
      `The content is not base64${bad ? ` (it holds ${JSON.stringify(bad[0])} at character ${bad.index + 1})` : ' (its length or padding is wrong: it was cut short?)'}, so no file was attached.`,
      'Give the file\'s bytes in base64 (letters, digits, + and /, or - and _), or set Content is to text for a file whose content is text.',
    );
  }
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/**
 * Whether a file field's `accept` (".pdf,image/*", "application/pdf") takes the file: by extension,
 * by media type, or by a type family (image/*). An empty accept takes anything.
 */
export function fileAccepted(accept: string, file: Pick<FileToAttach, 'name' | 'type'>): boolean {
  const kinds = accept
    .split(',')
    .map((k) => k.trim().toLowerCase())
    .filter(Boolean);
  if (kinds.length === 0) return true;
  const name = file.name.toLowerCase();
  const type = file.type.toLowerCase().split(';')[0].trim();
  return kinds.some((k) => (k.startsWith('.') ? name.endsWith(k) : k.endsWith('/*') ? type.startsWith(k.slice(0, -1)) : type === k));
}
