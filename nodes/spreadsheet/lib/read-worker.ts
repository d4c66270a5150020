import { parentPort } from 'node:worker_threads';
import { NodeError } from '../../../server/contract/node-error.ts';
import { readSheetInThread } from '../read-sheet.ts';
import type { SheetReadJob, SheetReadReply } from './read-pool.ts';

/**
 * A spreadsheet reader thread: reads the files the pool (read-pool.ts) posts, one at a time, and
 * posts the records back. Its heap is bounded (resourceLimits), so a file that would fill the
 * memory ends this thread, never the studio.
 */
const port = parentPort;
if (!port) throw new Error('read-worker.ts must run in a worker thread (see read-pool.ts).');

port.on('message', async ({ id, job }: { id: number; job: SheetReadJob }) => {
  let reply: SheetReadReply;
  try {
    reply = { ok: true, result: await readSheetInThread(job.params, job.file, job.limits) };
  } catch (err) {
    const e = err instanceof NodeError ? err : null;
    reply = {
      ok: false,
      error: e
        ? { code: e.code, message: e.message, hint: e.hint, transient: e.transient }
        : {
            code: 'E_SHEET_UNREADABLE',
            message: `"${job.file.name}" cannot be read: ${err instanceof Error ? err.message : String(err)}.`.slice(0, 500),
            hint: 'Open the file in Excel or LibreOffice; if it opens, save it again as .xlsx or "CSV UTF-8", then choose that copy.',
            transient: false,
          },
    };
  }
  port.postMessage({ id, reply });
});
