/**
 * Uploads shared by the studios of one PostgreSQL database (migration 10): kept in chunks of 4 MB,
 * so that a spreadsheet of up to 200 MB is never one statement nor held in memory whole, and written
 * back to a studio's data folder with every byte checked against the SHA-256 taken when it arrived.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type pg from 'pg';
import { dataFileError } from '../data-files.ts';
import type { SharedUploadHead } from '../types.ts';

const CHUNK_BYTES = 4 * 1024 * 1024;

/** Keeps the upload in `file`, in one transaction: the other studios see it whole or not at all. */
export async function shareUpload(pool: pg.Pool, upload: Omit<SharedUploadHead, 'receivedAt'>, file: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await insertUpload(client, upload, file);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Writes the upload's row and its chunks with `client`, inside the caller's transaction (also `store copy`). */
export async function insertUpload(client: pg.ClientBase, upload: Omit<SharedUploadHead, 'receivedAt'>, file: string): Promise<void> {
  let n = 0;
  let pending: Buffer = Buffer.alloc(0);
  const put = async (bytes: Buffer) => {
    await client.query('INSERT INTO upload_chunks (id, n, bytes) VALUES ($1, $2, $3)', [upload.id, n++, bytes]);
  };
  // The uploads row first (the chunks refer to it); its chunk count once they are all in.
  await client.query('INSERT INTO uploads (id, name, size, sha256, chunks) VALUES ($1, $2, $3, $4, 0)', [upload.id, upload.name, upload.size, upload.sha256]);
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK_BYTES })) {
    pending = pending.length === 0 ? (chunk as Buffer) : Buffer.concat([pending, chunk as Buffer]);
    while (pending.length >= CHUNK_BYTES) {
      await put(pending.subarray(0, CHUNK_BYTES));
      pending = pending.subarray(CHUNK_BYTES);
    }
  }
  if (pending.length > 0) await put(pending);
  await client.query('UPDATE uploads SET chunks = $2 WHERE id = $1', [upload.id, n]);
}

/** Writes a shared upload to `toFile` (created, synced), checking its size and SHA-256; null when none is shared. */
export async function fetchUpload(pool: pg.Pool, id: string, toFile: string): Promise<SharedUploadHead | null> {
  const head = (await pool.query<{ name: string; size: string; sha256: string; chunks: number; received_at: Date }>('SELECT name, size, sha256, chunks, received_at FROM uploads WHERE id = $1', [id])).rows[0];
  if (!head) return null;
  const upload: SharedUploadHead = { id, name: head.name, size: Number(head.size), sha256: head.sha256, receivedAt: new Date(head.received_at).toISOString() };
  const hash = createHash('sha256');
  let size = 0;
  const fh = await open(toFile, 'wx');
  try {
    for (let n = 0; n < head.chunks; n++) {
      const row = (await pool.query<{ bytes: Buffer }>('SELECT bytes FROM upload_chunks WHERE id = $1 AND n = $2', [id, n])).rows[0];
      if (!row) throw damaged(upload, `its part ${n + 1} of ${head.chunks} is missing from the database`);
      hash.update(row.bytes);
      size += row.bytes.length;
      await fh.write(row.bytes);
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  const actual = hash.digest('hex');
  if (size !== upload.size || actual !== upload.sha256) throw damaged(upload, `its ${size} bytes in the database hash to ${actual.slice(0, 12)}…, not to the SHA-256 taken when it arrived (${upload.size} bytes, ${upload.sha256.slice(0, 12)}…)`);
  return upload;
}

function damaged(upload: SharedUploadHead, reason: string) {
  return dataFileError('upload', upload.id, { state: 'damaged', reason, sum: null }, upload.name);
}

export async function sharedUploads(pool: pg.Pool): Promise<SharedUploadHead[]> {
  const rows = (await pool.query<{ id: string; name: string; size: string; sha256: string; received_at: Date }>('SELECT id, name, size, sha256, received_at FROM uploads ORDER BY received_at, id')).rows;
  return rows.map((r) => ({ id: r.id, name: r.name, size: Number(r.size), sha256: r.sha256, receivedAt: new Date(r.received_at).toISOString() }));
}

export async function deleteSharedUpload(pool: pg.Pool, id: string): Promise<boolean> {
  return ((await pool.query('DELETE FROM uploads WHERE id = $1', [id])).rowCount ?? 0) > 0;
}
