/**
 * The character encoding of a text file (a CSV), and its bytes turned into text without altering a
 * letter: a byte that is not text in that encoding refuses the file, naming the line, instead of
 * becoming U+FFFD in a record.
 *
 * Why: Excel's "CSV (Comma delimited)" is not UTF-8 — it writes the system's ANSI code page
 * (Windows-1252 in Western Europe and the Americas), and LibreOffice writes what its import dialog
 * was set to (UTF-16 among them). Read as UTF-8, "Müller" became "M\uFFFDller" in every record with
 * nothing said, and a UTF-16 file became one column of letters and NUL characters.
 *
 * `auto`: a byte-order mark says UTF-8, UTF-16 LE or UTF-16 BE; without one, NUL bytes at every other
 * place say UTF-16 (text never holds NUL), else the file must be UTF-8. A byte-order mark always wins
 * over the setting: it cannot be anything else. Single-byte encodings (Windows-1252…) give every byte a
 * letter, so only a person can tell that a file is one of them: the setting.
 */
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { isUtf8 } from 'node:buffer';
import { NodeError } from '../../../server/contract/node-error.ts';
import { firstBadUtf8 } from '../../sdk/text-body.ts';

/** The encodings a CSV may be read in (WHATWG names, as TextDecoder takes them). */
export const TEXT_ENCODINGS = [
  'auto',
  'utf-8',
  'utf-16le',
  'utf-16be',
  'windows-1252',
  'iso-8859-15',
  'windows-1250',
  'windows-1251',
  'windows-1253',
  'windows-1254',
  'windows-1257',
  'macintosh',
  'koi8-r',
  'shift_jis',
  'euc-kr',
  'gb18030',
  'big5',
] as const;
export type TextEncodingChoice = (typeof TEXT_ENCODINGS)[number];

/** How the encodings are named to a person. */
const NAMES: Record<string, string> = {
  'utf-8': 'UTF-8',
  'utf-16le': 'UTF-16 LE',
  'utf-16be': 'UTF-16 BE',
  'windows-1252': 'Windows-1252',
  'iso-8859-15': 'ISO-8859-15',
  'windows-1250': 'Windows-1250',
  'windows-1251': 'Windows-1251',
  'windows-1253': 'Windows-1253',
  'windows-1254': 'Windows-1254',
  'windows-1257': 'Windows-1257',
  macintosh: 'Mac OS Roman',
  'koi8-r': 'KOI8-R',
  shift_jis: 'Shift_JIS',
  'euc-kr': 'EUC-KR',
  gb18030: 'GB18030',
  big5: 'Big5',
};

export const encodingName = (encoding: string): string => NAMES[encoding] ?? encoding;

/** Where a reader lets the person choose the encoding (named in the hint of a refusal), if anywhere. */
export interface EncodingContext {
  shown: string;
  /** The setting, as the hint names it (e.g. the Spreadsheet step's "Text encoding" setting); none: the hint says to save as UTF-8. */
  setting?: string;
}

/** The encoding the file is read in, from its first bytes and the setting, and the length of its byte-order mark. */
export function encodingOf(head: Uint8Array, choice: TextEncodingChoice, ctx: EncodingContext): { encoding: string; bom: number } {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', bom: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) {
    if (head[2] === 0 && head[3] === 0 && head.length >= 4) throw utf32(ctx);
    return { encoding: 'utf-16le', bom: 2 };
  }
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', bom: 2 };
  if (head[0] === 0 && head[1] === 0 && head[2] === 0xfe && head[3] === 0xff) throw utf32(ctx);
  if (choice !== 'auto') return { encoding: choice, bom: 0 };
  return { encoding: utf16ByNuls(head) ?? 'utf-8', bom: 0 };
}

function utf32(ctx: EncodingContext): NodeError {
  return new NodeError(
    'E_SHEET_ENCODING',
    `"${ctx.shown}" is UTF-32 text, which Conveyor does not read.`,
    'Open it in a spreadsheet program or a text editor and save it as "CSV UTF-8", then choose that file.',
  );
}

/**
 * UTF-16 without a byte-order mark, told by its NUL bytes: the high byte of every Latin letter, digit
 * and separator is 0, at odd places (LE) or even ones (BE). Text in any other encoding holds no NUL.
 */
function utf16ByNuls(head: Uint8Array): string | null {
  const n = Math.min(head.length, 4096) & ~1;
  if (n < 2) return null;
  let even = 0;
  let odd = 0;
  for (let i = 0; i < n; i += 2) {
    if (head[i] === 0) even++;
    if (head[i + 1] === 0) odd++;
  }
  const pairs = n / 2;
  if (odd >= pairs * 0.3 && even === 0) return 'utf-16le';
  if (even >= pairs * 0.3 && odd === 0) return 'utf-16be';
  return null;
}

/**
 * Line breaks in `text` as a spreadsheet program counts lines: LF, or CR in a text without LF (old
 * Mac files). Counted by indexOf (native): a JavaScript loop over every character was a fifth of
 * reading a 300,000-row CSV.
 */
function lineBreaks(text: string): number {
  const count = (ch: string) => {
    let n = 0;
    for (let at = text.indexOf(ch); at >= 0; at = text.indexOf(ch, at + 1)) n++;
    return n;
  };
  const lf = count('\n');
  return lf > 0 ? lf : count('\r');
}

/**
 * Bytes in, text out (strings), in `encoding`, refusing the first byte that is not text in it with
 * E_SHEET_ENCODING naming its line. The byte-order mark (`bom` bytes) is dropped.
 */
export class TextDecodeStream extends Transform {
  private readonly decoder: TextDecoder;
  private readonly utf8: boolean;
  /** Bytes still to skip of the byte-order mark. */
  private skip: number;
  /** Lines ended so far (line breaks in the text handed on). */
  private lines = 0;
  /** UTF-8: the end of the last chunk, an incomplete character that the next chunk completes. */
  private carry: Buffer = Buffer.alloc(0);

  constructor(
    private readonly encoding: string,
    bom: number,
    private readonly ctx: EncodingContext,
  ) {
    super({ readableObjectMode: true });
    this.utf8 = encoding === 'utf-8';
    this.decoder = new TextDecoder(encoding, { fatal: true, ignoreBOM: true });
    this.skip = bom;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let bytes = chunk;
    if (this.skip > 0) {
      const n = Math.min(this.skip, bytes.length);
      this.skip -= n;
      bytes = bytes.subarray(n);
    }
    try {
      const text = this.utf8 ? this.utf8Text(bytes) : this.decoder.decode(bytes, { stream: true });
      this.hand(text);
      done();
    } catch (err) {
      done(err instanceof NodeError ? err : this.refusal(null, this.badLine(bytes)));
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      if (this.utf8) {
        if (this.carry.length > 0) throw this.refusal(this.carry, 0, 'ends in the middle of a character');
      } else this.hand(this.decoder.decode());
      done();
    } catch (err) {
      done(err instanceof NodeError ? err : this.refusal(null, 0, 'ends in the middle of a character'));
    }
  }

  private hand(text: string): void {
    if (text.length === 0) return;
    this.lines += lineBreaks(text);
    this.push(text);
  }

  /** UTF-8 checked by Node (`isUtf8`, native) and decoded; an incomplete last character waits for the next chunk. */
  private utf8Text(chunk: Buffer): string {
    const bytes = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    // Up to 3 bytes of a character cut by the chunk's end.
    let end = bytes.length;
    for (let k = 1; k <= 3 && k <= bytes.length; k++) {
      const b = bytes[bytes.length - k];
      if (b < 0x80) break;
      // A lead byte (0xC0, 0xC1 and 0xF5 up are never one: isUtf8 below names them).
      if (b >= 0xc2 && b <= 0xf4) {
        const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
        if (len > k) end = bytes.length - k;
        break;
      }
      if (b >= 0xc0) break;
    }
    const whole = bytes.subarray(0, end);
    if (!isUtf8(whole)) {
      const at = firstBadUtf8(whole);
      throw this.refusal(whole, at < 0 ? whole.length - 1 : at);
    }
    this.carry = Buffer.from(bytes.subarray(end));
    return whole.toString('utf8');
  }

  /**
   * Lines of `chunk` before the one a multi-byte encoding refused, found by decoding it line by line:
   * a line feed byte is never part of a character in them (Shift_JIS, EUC-KR, GB18030, Big5 have trail
   * bytes from 0x30 up). UTF-16's line feed is two bytes: not told (0, the chunk's first line).
   */
  private badLine(chunk: Uint8Array): number {
    if (this.encoding.startsWith('utf-16')) return 0;
    let from = 0;
    for (let line = 0; from < chunk.length; line++) {
      let to = chunk.indexOf(10, from);
      if (to < 0) to = chunk.length;
      try {
        new TextDecoder(this.encoding, { fatal: true }).decode(chunk.subarray(from, to));
      } catch {
        return line;
      }
      from = to + 1;
    }
    return 0;
  }

  /**
   * E_SHEET_ENCODING: with `bytes`, at byte `at` of them (UTF-8: the line and the byte are known);
   * without, `at` lines after the current one.
   */
  private refusal(bytes: Uint8Array | null, at = 0, what?: string): NodeError {
    const name = encodingName(this.encoding);
    let line = this.lines + 1 + (bytes ? 0 : at);
    let detail = what ?? `has bytes that are not ${name} text`;
    if (bytes && !what) {
      const before = Buffer.from(bytes.buffer, bytes.byteOffset, at).toString('utf8');
      line += lineBreaks(before);
      const bad = bytes[at];
      // `stream: true` here and in `_transform` on purpose: Node 20 decodes Windows-1252 as Latin-1
      // (0x80–0x9F: control characters, not € “ ” –) when the whole input is given at once.
      const asAnsi = new TextDecoder('windows-1252').decode(Uint8Array.of(bad), { stream: true });
      // What the byte is in Windows-1252, the usual cause, unless it is a control character there too.
      const letter = asAnsi.charCodeAt(0) >= 0xa0 ? ` (in Windows-1252 it is "${asAnsi}")` : '';
      detail = `holds the byte 0x${bad.toString(16).toUpperCase().padStart(2, '0')}, which is not ${name} here${letter}`;
    }
    const message = what
      ? `"${this.ctx.shown}" is not ${name} text: it ${what} (after line ${line}).`
      : `"${this.ctx.shown}" is not ${name} text: line ${line} ${detail}.`;
    const where = this.ctx.setting ? `Choose the file's encoding in ${this.ctx.setting} (Windows-1252 for a CSV saved by Excel as "CSV (Comma delimited)" in Western Europe or the Americas), or save` : 'Save';
    return new NodeError('E_SHEET_ENCODING', message, `${where} it from Excel or LibreOffice as "CSV UTF-8" and choose that file.`);
  }
}

/** The text of a file's first bytes (for guessing its separator): decoded leniently, an incomplete last character left out. */
export function sampleText(bytes: Uint8Array, encoding: string, bom: number): string {
  return new TextDecoder(encoding, { ignoreBOM: true }).decode(bytes.subarray(bom), { stream: true });
}

/**
 * A whole small text file (records given on the command line) as text: UTF-8 or what its byte-order
 * mark or NUL bytes say (UTF-16), refused with E_SHEET_ENCODING at the line of the first byte that
 * is not text — as a CSV read by the Spreadsheet step is.
 */
export async function wholeText(bytes: Uint8Array, shown: string): Promise<string> {
  const ctx = { shown };
  const { encoding, bom } = encodingOf(bytes, 'auto', ctx);
  let text = '';
  for await (const piece of Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]).pipe(new TextDecodeStream(encoding, bom, ctx))) text += piece as string;
  return text;
}
