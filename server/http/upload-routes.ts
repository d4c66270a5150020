import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Router } from 'express';
import { z } from 'zod';
import type { RecordData, RunInput } from '../../nodes/sdk/types.ts';
import { ConveyorError } from '../errors.ts';
import { dataFileError, UPLOAD_ID, uploadName, uploadRecordOf, UPLOADS_DIR } from '../store/data-files.ts';
import { checkFile, SUM_ALGORITHM, sumHasher, writeFileAtomic } from '../store/file-sums.ts';
import type { SharedUploads } from '../store/types.ts';
import { parseQuery } from './parse.ts';
import { contentMismatch, otherSpreadsheet, sheetExtension, SHEET_HEAD_BYTES, SHEET_NAMES } from '../contract/sheet-files.ts';
import { ownFileName } from './file-name.ts';

/** Largest file one upload may carry. */
export const MAX_UPLOAD_BYTES = 200 * 1024 * 1024;

export { UPLOAD_ID };


const uploadQuery = z.object({ name: z.string().trim().min(1).max(255) });

export interface UploadInfo {
  id: string;
  name: string;
  size: number;
}

export function uploadsDir(dataDir: string): string {
  return path.join(dataDir, UPLOADS_DIR);
}

/** Where files are written while incomplete (uploads until their last byte); emptied at start. */
export function tempDir(dataDir: string): string {
  return path.join(dataDir, 'tmp');
}

/**
 * Removes what a studio killed mid-way left behind: everything in DATA_DIR/tmp (half-written
 * uploads) and `.part` files in DATA_DIR/uploads (written there by older versions). Call it at
 * start, once the data folder is locked. Logs one line when anything was removed.
 */
export async function cleanTempFiles(dataDir: string, log: (line: string) => void = (line) => console.error(line)): Promise<{ files: number; bytes: number }> {
  const removed = { files: 0, bytes: 0 };
  const remove = async (file: string) => {
    const st = await stat(file).catch(() => null);
    await rm(file, { recursive: true, force: true });
    removed.files++;
    removed.bytes += st?.isFile() ? st.size : 0;
  };
  const tmp = tempDir(dataDir);
  for (const name of await readdir(tmp).catch(() => [] as string[])) await remove(path.join(tmp, name));
  const uploads = uploadsDir(dataDir);
  for (const name of await readdir(uploads).catch(() => [] as string[])) if (name.endsWith('.part')) await remove(path.join(uploads, name));
  if (removed.files > 0) {
    log(`Removed ${removed.files} temporary file${removed.files === 1 ? '' : 's'} (${(removed.bytes / 1024 / 1024).toFixed(1)} MB) left in ${tmp} by an earlier run that was stopped.`);
  }
  return removed;
}

/**
 * `POST /api/uploads?name=people.xlsx` with the file itself as the body (any content type).
 * The file is streamed to `<dataDir>/uploads/<id>` (never held in memory) and can then be given
 * to a run or a dry check as `input.fileId`. Only .xlsx and .ods (real zips) and .csv are accepted.
 * Its SHA-256 is taken while it streams and recorded in `<id>.json` (store/file-sums.ts), written
 * after the file is synced and renamed in: every read checks it (resolveUpload). On PostgreSQL it is
 * also kept in the database (`shareUpload`) before the answer, so that any studio of the database can
 * start its run (behind a load balancer the next request may reach another studio).
 */
export function uploadRoutes(dataDir: string, store?: Pick<SharedUploads, 'shareUpload'>): Router {
  const router = Router();
  const dir = uploadsDir(dataDir);

  router.post('/', async (req, res) => {
    const { name: rawName } = parseQuery(uploadQuery, req.query);
    const name = ownFileName(req, rawName);
    // The extension that made it a spreadsheet, also for a name that is nothing else (".csv", whose
    // extname is ""): its id had none, and no run or dry check took it (E_UPLOAD_NOT_FOUND).
    const ext = sheetExtension(name);
    if (ext === null) {
      req.resume();
      const other = otherSpreadsheet(path.extname(name).toLowerCase());
      throw new ConveyorError(
        'E_UPLOAD_TYPE',
        `"${name}" is not a spreadsheet file (${SHEET_NAMES})${other ? `: it is ${other}` : ''}.`,
        'Save the spreadsheet as "Excel workbook (.xlsx)", "OpenDocument spreadsheet (.ods)" or "CSV UTF-8 (.csv)" and upload that file.',
        415,
      );
    }
    // The bytes received are stored as they are: a compressed body (gzip) was stored compressed and
    // read back as a broken spreadsheet.
    const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding !== 'identity') {
      req.resume();
      throw new ConveyorError('E_BODY_INVALID', `The upload of "${name}" is sent compressed (Content-Encoding: ${encoding.slice(0, 40)}); Conveyor stores the file as it receives it.`, 'Send the file itself, uncompressed, without a Content-Encoding header.', 415);
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_UPLOAD_BYTES) {
      req.resume();
      throw tooLarge();
    }

    await mkdir(dir, { recursive: true });
    await mkdir(tempDir(dataDir), { recursive: true });
    const id = randomBytes(12).toString('hex') + ext;
    const target = path.join(dir, id);
    // Written in DATA_DIR/tmp until complete (emptied at start: a killed studio leaves nothing behind).
    const part = path.join(tempDir(dataDir), `${id}.part`);
    let size = 0;
    let head = Buffer.alloc(0);
    const sum = sumHasher();
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        sum.update(chunk);
        if (size > MAX_UPLOAD_BYTES) return done(tooLarge());
        if (head.length < SHEET_HEAD_BYTES) head = Buffer.concat([head, chunk.subarray(0, SHEET_HEAD_BYTES - head.length)]);
        done(null, chunk);
      },
    });
    try {
      await pipeline(req, meter, createWriteStream(part));
    } catch (err) {
      await rm(part, { force: true });
      if (err instanceof ConveyorError) throw err;
      throw new ConveyorError('E_UPLOAD_INCOMPLETE', `The upload of "${name}" was interrupted.`, 'Upload the file again.', 400);
    }
    const refuse = async (err: ConveyorError) => {
      await rm(part, { force: true });
      throw err;
    };
    if (size === 0) {
      await refuse(new ConveyorError('E_UPLOAD_EMPTY', `"${name}" is empty (0 bytes).`, 'Choose the file again: send the file itself as the request body.', 400));
    }
    const mismatch = contentMismatch(name, ext, head);
    if (mismatch) await refuse(new ConveyorError('E_UPLOAD_TYPE', mismatch.message, mismatch.hint, 415));
    // Synced before its checksum is recorded: the record never names bytes that are not on disk.
    const fh = await open(part, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(part, target);
    const info: UploadInfo = { id, name, size };
    const summed = sum.done();
    await writeFileAtomic(uploadRecordOf(target), JSON.stringify({ ...info, uploadedAt: new Date().toISOString(), ...summed }), tempDir(dataDir));
    if (store?.shareUpload) {
      try {
        await store.shareUpload({ id, name, size, sha256: summed.sha256 }, target);
      } catch (err) {
        // Not shared: not kept at all (another studio could not start its run), the record first.
        await rm(uploadRecordOf(target), { force: true });
        await rm(target, { force: true });
        throw err;
      }
    }
    res.status(201).json(info);
  });

  return router;
}

function tooLarge(): ConveyorError {
  return new ConveyorError('E_BODY_TOO_LARGE', `The file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB.`, 'Split the spreadsheet into several files and start one run for each.', 413);
}

/**
 * The uploaded file behind `fileId`, as a run input's `file` (its original name kept for messages).
 * Every byte is checked against the SHA-256 recorded at upload: a damaged, cut or missing file
 * answers E_UPLOAD_DAMAGED and no run or dry check reads it. One uploaded before checksums is read
 * as it is. One another studio of the database received (PostgreSQL) is written to this data folder
 * first, from the database, every byte checked.
 */
export async function resolveUpload(dataDir: string, fileId: string, store?: Pick<SharedUploads, 'fetchUpload'>): Promise<{ path: string; name: string }> {
  const notFound = () =>
    new ConveyorError('E_UPLOAD_NOT_FOUND', `There is no uploaded file "${fileId}".`, 'Upload the file again (POST /api/uploads) and use the id it answers.', 422);
  if (!UPLOAD_ID.test(fileId)) throw notFound();
  const file = path.join(uploadsDir(dataDir), fileId);
  let state = await checkFile(file, uploadRecordOf(file));
  if (state.state === 'missing' && !state.sum && store?.fetchUpload && (await fetchShared(dataDir, fileId, file, store))) state = await checkFile(file, uploadRecordOf(file));
  if (state.state === 'missing' && !state.sum) throw notFound();
  const name = await uploadName(file, fileId);
  if (state.state !== 'ok' && state.state !== 'unchecked') throw dataFileError('upload', fileId, state, name);
  return { path: file, name };
}

/** Writes the upload another studio received into this data folder (as an upload of its own); false when the database has none. */
async function fetchShared(dataDir: string, fileId: string, file: string, store: Pick<SharedUploads, 'fetchUpload'>): Promise<boolean> {
  await mkdir(path.dirname(file), { recursive: true });
  await mkdir(tempDir(dataDir), { recursive: true });
  const part = path.join(tempDir(dataDir), `${fileId}.${randomBytes(4).toString('hex')}.part`);
  try {
    const got = await store.fetchUpload!(fileId, part);
    if (!got) return false;
    await rename(part, file);
    await writeFileAtomic(uploadRecordOf(file), JSON.stringify({ id: fileId, name: got.name, size: got.size, uploadedAt: got.receivedAt, algorithm: SUM_ALGORITHM, bytes: got.size, sha256: got.sha256 }), tempDir(dataDir));
    return true;
  } finally {
    await rm(part, { force: true });
  }
}

/**
 * A run input as the API takes it: records, text, or the id of an uploaded file — one of them. Given
 * several, the run took the records and passed the rest over without a word.
 */
export const runInputBody = z
  .object({
    records: z.array(z.record(z.string(), z.unknown())).optional(),
    text: z.string().optional(),
    format: z.enum(['json', 'csv']).optional(),
    fileId: z.string().min(1).optional(),
  })
  .strict()
  .refine((i) => [i.records, i.text, i.fileId].filter((v) => v !== undefined).length <= 1, {
    error: 'must hold one of "records", "text" or "fileId", not several',
  });

/** Turns the API's run input into the engine's: `fileId` becomes `file: { path, name }`. */
export async function toRunInput(dataDir: string, body: z.infer<typeof runInputBody> | undefined, store?: Pick<SharedUploads, 'fetchUpload'>): Promise<RunInput | undefined> {
  if (!body) return undefined;
  const { fileId, records, ...rest } = body;
  const input: RunInput = { ...rest };
  if (records) input.records = records as RecordData[];
  if (fileId !== undefined) input.file = await resolveUpload(dataDir, fileId, store);
  return input;
}
