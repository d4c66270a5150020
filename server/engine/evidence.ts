import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { EvidenceSink } from '../../nodes/sdk/types.ts';
import { evidenceRecordOf } from '../store/data-files.ts';
import { sumOf, writeFileAtomic } from '../store/file-sums.ts';
import type { Masker } from './secret-masker.ts';

/**
 * Evidence files live under DATA_DIR/evidence/<run>/; a step keeps only their references.
 * Text evidence is masked like everything else; images (screenshots) are the node's job: a browser
 * connector must hide password fields before it takes one.
 *
 * Each file is written whole (synced, renamed in), then its SHA-256 record `.<file>.sum` beside it
 * (store/file-sums.ts): the reference reaches the step only after both, so a step never names a
 * file that is not on disk, and serving it checks every byte. With `put` (a store that keeps
 * evidence itself: PostgreSQL, where a worker's data folder is out of the studios' reach) the bytes
 * go there instead, with their SHA-256, before the reference reaches the step.
 */
export function evidenceSink(dir: string, runId: string, recordIndex: number, collect: string[], masker?: Masker, put?: (ref: string, bytes: Buffer) => Promise<void>): EvidenceSink {
  return {
    async attach(name, content, mime) {
      if (masker?.active) {
        name = masker.mask(name);
        if (typeof content === 'string') content = masker.mask(content);
        else if (isText(mime)) content = Buffer.from(masker.mask(Buffer.from(content).toString('utf8')), 'utf8');
      }
      const safe = name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80) || 'evidence';
      const ref = `${runId}/${recordIndex}-${Date.now().toString(36)}-${safe}`;
      const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content.buffer, content.byteOffset, content.byteLength);
      if (put) {
        await put(ref, bytes);
        collect.push(ref);
        return ref;
      }
      const file = path.join(dir, ref);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFileAtomic(file, bytes);
      await writeFileAtomic(evidenceRecordOf(file), JSON.stringify(sumOf(bytes)));
      collect.push(ref);
      return ref;
    },
  };
}

function isText(mime: string): boolean {
  return /^text\/|[/+](json|xml|csv|javascript|x-www-form-urlencoded)\b/i.test(mime ?? '');
}
