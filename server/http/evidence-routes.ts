import { Router } from 'express';
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { ConveyorError } from '../errors.ts';

/** Serves evidence files by their reference (`<runId>/<file>`); nothing outside the evidence folder. */
export function evidenceRoutes(dataDir: string): Router {
  const router = Router();
  const root = path.join(dataDir, 'evidence');
  router.get('/:runId/:file', (req, res) => {
    const { runId, file } = req.params;
    const safe = /^[A-Za-z0-9_-]+$/.test(runId) && /^[A-Za-z0-9._-]+$/.test(file) && !file.startsWith('.');
    const full = path.join(root, runId, file);
    if (!safe || !existsSync(full) || !realpathSync(full).startsWith(realpathSync(root) + path.sep)) {
      throw new ConveyorError('E_EVIDENCE_NOT_FOUND', `There is no evidence "${runId}/${file}".`, 'Open the record again: the evidence list shows the files that exist.', 404);
    }
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.sendFile(full, { dotfiles: 'deny', headers: { 'Content-Disposition': `inline; filename="${file}"` } });
  });
  return router;
}
