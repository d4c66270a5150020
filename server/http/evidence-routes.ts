import { Router } from 'express';
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { ConveyorError } from '../errors.ts';
import { dataFileError, EVIDENCE_DIR, EVIDENCE_FILE, EVIDENCE_RUN, evidenceRecordOf } from '../store/data-files.ts';
import { checkFile } from '../store/file-sums.ts';
import type { EvidenceStore } from '../store/types.ts';

/**
 * Serves evidence files by their reference (`<runId>/<file>`); nothing outside the evidence folder.
 * Every byte is checked against the SHA-256 recorded when it was written: a damaged, cut or missing
 * file answers E_EVIDENCE_DAMAGED (one moved aside by `store repair`: 410, saying so), never its
 * bytes. A file written before checksums (no record) is served as it is. A store that keeps evidence
 * itself (PostgreSQL: a worker's screenshots) is asked first, its bytes checked the same way.
 */
export function evidenceRoutes(dataDir: string, store?: Pick<EvidenceStore, 'readEvidence'>): Router {
  const router = Router();
  const root = path.join(dataDir, EVIDENCE_DIR);
  router.get('/:runId/:file', async (req, res) => {
    const { runId, file } = req.params;
    const notFound = () => new ConveyorError('E_EVIDENCE_NOT_FOUND', `There is no evidence "${runId}/${file}".`, 'Open the record again: the evidence list shows the files that exist.', 404);
    if (!EVIDENCE_RUN.test(runId) || !EVIDENCE_FILE.test(file) || file.startsWith('.')) throw notFound();
    const kept = store?.readEvidence ? await store.readEvidence(`${runId}/${file}`) : null;
    if (kept) {
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Content-Disposition', `inline; filename="${file}"`);
      res.type(path.extname(file) || 'application/octet-stream').send(kept);
      return;
    }
    const full = path.join(root, runId, file);
    if (existsSync(full) && !realpathSync(full).startsWith(realpathSync(root) + path.sep)) throw notFound();
    const state = await checkFile(full, evidenceRecordOf(full));
    if (state.state === 'missing' && !state.sum) throw notFound();
    if (state.state !== 'ok' && state.state !== 'unchecked') throw dataFileError('evidence', `${runId}/${file}`, state);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.sendFile(full, { dotfiles: 'deny', headers: { 'Content-Disposition': `inline; filename="${file}"` } });
  });
  return router;
}
