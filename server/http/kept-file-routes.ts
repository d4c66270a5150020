import { Router } from 'express';
import { z } from 'zod';
import { MAX_KEPT_FILE_BYTES } from '../../nodes/sdk/kept-file.ts';
import { ConveyorError } from '../errors.ts';
import type { KeptFileStore } from '../store/types.ts';
import type { KeptFileInfo } from '../contract/wire/flows.ts';
import { parseQuery } from './parse.ts';
import { ownFileName } from './file-name.ts';

const keepQuery = z.object({ name: z.string().trim().min(1).max(255) });


/**
 * `POST /api/kept-files?name=cv.pdf` with the file itself as the body (its Content-Type its media
 * type): a file chosen in a node's form (Browser: attach file's Chosen file). Kept in the store by
 * its SHA-256 (durably, before the answer); answers what the node's param holds. Any kind of file,
 * at most 10 MB — an export carries it in the flow file, whose import takes 20 MB at most.
 */
export function keptFileRoutes(store: KeptFileStore): Router {
  const router = Router();
  router.post('/', async (req, res) => {
    const { name: raw } = parseQuery(keepQuery, req.query);
    const name = ownFileName(req, raw);
    const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding !== 'identity') {
      req.resume();
      throw new ConveyorError('E_BODY_INVALID', `The file "${name}" is sent compressed (Content-Encoding: ${encoding.slice(0, 40)}); the studio keeps the file as it receives it.`, 'Send the file itself, uncompressed, without a Content-Encoding header.', 415);
    }
    if (Number(req.headers['content-length'] ?? 0) > MAX_KEPT_FILE_BYTES) {
      req.resume();
      throw tooLarge(name);
    }
    // Read to its end (a body cut off mid-way would reset the connection, and the answer with it),
    // kept only while within the limit.
    const bytes = await new Promise<Buffer | null>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_KEPT_FILE_BYTES) chunks.push(chunk);
      });
      req.on('end', () => resolve(size > MAX_KEPT_FILE_BYTES ? null : Buffer.concat(chunks, size)));
      req.on('error', reject);
    }).catch(() => {
      throw new ConveyorError('E_UPLOAD_INCOMPLETE', `The file "${name}" was not received whole (the connection ended).`, 'Choose the file again.', 400);
    });
    if (!bytes) throw tooLarge(name);
    // The media type as the browser told it; none, or not one: the file name's extension decides later.
    const given = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const type = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/.test(given) && given !== 'application/octet-stream' ? given : '';
    const info: KeptFileInfo = { name, type, size: bytes.length, sha256: await store.putKeptFile(bytes) };
    res.status(201).json(info);
  });
  return router;
}

function tooLarge(name: string): ConveyorError {
  return new ConveyorError('E_BODY_TOO_LARGE', `The file "${name}" is larger than ${MAX_KEPT_FILE_BYTES / 1024 / 1024} MB, the most a file chosen in a step's form can be.`, 'Choose a smaller file, or give a larger one from the record (Content is base64: an HTTP request\'s answer, for instance).', 413);
}
