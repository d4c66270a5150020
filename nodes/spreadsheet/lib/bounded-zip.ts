import { Readable, Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import { NodeError } from '../../../server/contract/node-error.ts';
import { limitExceeded, type SheetLimits } from './limits.ts';
import { unreadable } from './sheet-file.ts';

/** A part may inflate this much before its compression ratio is judged (small parts compress oddly). */
const RATIO_GRACE_BYTES = 1024 * 1024;
/** More entries than any workbook holds: the central directory itself would be the bomb. */
const MAX_ENTRIES = 100_000;

/**
 * An .xlsx (a zip) opened for bounded reading. The parts are found through the zip's central
 * directory (yauzl), so they are read in the order the reader needs — shared strings before the
 * sheet — without parking anything in temporary files, and only the parts needed are inflated.
 *
 * Each part's stream counts its inflated bytes as they come out of the decompressor and fails the
 * moment a limit is passed (per part, for the whole file, compression ratio), checks the part's
 * CRC-32 at its end, and carries every error of the zip layer (a corrupt deflate stream, a size
 * that does not match) to the one who reads it. (exceljs' own reader, on unzipper's streaming
 * parser, lost exactly those errors: an inflate error went to the parser, not to the part being
 * read, so a flipped bit left the read waiting forever; and a CRC was never checked.)
 */
export class BoundedZip {
  private inflated = 0;
  private readonly open = new Set<Readable>();

  private constructor(
    private readonly zip: yauzl.ZipFile,
    private readonly entries: Map<string, yauzl.Entry>,
    private readonly shown: string,
    private readonly limits: SheetLimits,
  ) {}

  /**
   * Opens `file`, hands it to `read`, and closes it whatever happens: an error that is not a NodeError
   * (the XML or zip library's own) means the file is damaged (`unreadable`, naming `what` it should be).
   */
  static async reading<T>(file: string, shown: string, limits: SheetLimits, what: string, read: (zip: BoundedZip) => Promise<T>): Promise<T> {
    const zip = await BoundedZip.open(file, shown, limits);
    try {
      return await read(zip);
    } catch (err) {
      if (err instanceof NodeError) throw err;
      throw unreadable(shown, err, what);
    } finally {
      zip.close();
    }
  }

  static async open(file: string, shown: string, limits: SheetLimits): Promise<BoundedZip> {
    let zip: yauzl.ZipFile;
    try {
      zip = await yauzl.openPromise(file, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false });
    } catch (err) {
      throw unreadable(shown, err);
    }
    if (zip.entryCount > MAX_ENTRIES) {
      zip.close();
      throw new NodeError(
        'E_SHEET_UNREADABLE',
        `"${shown}" is not a workbook a spreadsheet program writes: it holds ${zip.entryCount.toLocaleString('en-US')} files.`,
        'Open the file in Excel or LibreOffice; if it opens, save it again as .xlsx and choose that copy.',
      );
    }
    const entries = new Map<string, yauzl.Entry>();
    try {
      await new Promise<void>((resolve, reject) => {
        zip.on('entry', (entry: yauzl.Entry) => {
          entries.set(normalize(entry.fileName), entry);
          zip.readEntry();
        });
        zip.on('end', resolve);
        zip.on('error', reject);
        zip.readEntry();
      });
    } catch (err) {
      zip.close();
      throw unreadable(shown, err);
    }
    return new BoundedZip(zip, entries, shown, limits);
  }

  has(name: string): boolean {
    return this.entries.has(normalize(name));
  }

  /** The inflated content of the part, as a stream that fails at the first limit passed or damage found. */
  async part(name: string): Promise<Readable> {
    const entry = this.entries.get(normalize(name));
    if (!entry) throw new NodeError('E_SHEET_UNREADABLE', `"${this.shown}" is incomplete: the part ${name} is missing.`, 'Open the file in Excel or LibreOffice; if it opens, save it again as .xlsx and choose that copy.');
    // Declared sizes are checked at once (an honest bomb fails before one byte is inflated); a
    // declaration that lies is caught by counting, and by yauzl when the sizes do not match.
    if (entry.uncompressedSize > this.limits.maxPartBytes) throw limitExceeded(this.shown, 'maxPartBytes', entry.uncompressedSize, this.limits, name);
    if (this.inflated + entry.uncompressedSize > this.limits.maxInflatedBytes) throw limitExceeded(this.shown, 'maxInflatedBytes', this.inflated + entry.uncompressedSize, this.limits, name);
    let source: Readable;
    try {
      source = await this.zip.openReadStreamPromise(entry);
    } catch (err) {
      throw unreadable(this.shown, err);
    }
    const meter = this.meter(name, entry);
    this.open.add(source).add(meter);
    source.on('error', (err) => meter.destroy(err instanceof NodeError ? err : unreadable(this.shown, err)));
    meter.on('close', () => {
      source.destroy();
      this.open.delete(source);
      this.open.delete(meter);
    });
    source.pipe(meter);
    return meter;
  }

  /**
   * The whole part, read to its end — so its checksum is verified before anything of it is used
   * (an XML parser stops at the closing tag and would never see the end) — as a stream again.
   * For the small parts: workbook, relationships, styles. Bounded like any part.
   */
  async whole(name: string): Promise<Readable> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.part(name)) chunks.push(chunk as Buffer);
    return Readable.from([Buffer.concat(chunks)]);
  }

  close(): void {
    for (const s of this.open) s.destroy();
    this.open.clear();
    this.zip.close();
  }

  private meter(name: string, entry: yauzl.Entry): Transform {
    let partBytes = 0;
    let crc = 0;
    const { limits, shown } = this;
    const ratioLimit = entry.compressionMethod === 0 ? Infinity : Math.max(RATIO_GRACE_BYTES, entry.compressedSize * limits.maxRatio);
    return new Transform({
      transform: (chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) => {
        partBytes += chunk.length;
        this.inflated += chunk.length;
        if (partBytes > limits.maxPartBytes) return done(limitExceeded(shown, 'maxPartBytes', partBytes, limits, name));
        if (this.inflated > limits.maxInflatedBytes) return done(limitExceeded(shown, 'maxInflatedBytes', this.inflated, limits, name));
        if (partBytes > ratioLimit) return done(limitExceeded(shown, 'maxRatio', Math.floor(Math.max(partBytes, entry.uncompressedSize) / Math.max(1, entry.compressedSize)), limits, name));
        crc = zlib.crc32(chunk, crc);
        done(null, chunk);
      },
      flush: (done: TransformCallback) => {
        if (crc >>> 0 !== entry.crc32 >>> 0) {
          return done(
            new NodeError(
              'E_SHEET_UNREADABLE',
              `"${shown}" is damaged: the part ${name} does not match its checksum (a bit changed on the way or on disk).`,
              'Open the file in Excel or LibreOffice; if it opens, save it again as .xlsx and choose that copy — or take the file again from where it came from.',
            ),
          );
        }
        done();
      },
    });
  }
}

function normalize(name: string): string {
  return name.replace(/\\/g, '/').replace(/^\/+/, '').toLowerCase();
}
