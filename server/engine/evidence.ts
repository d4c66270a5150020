import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EvidenceSink } from '../../nodes/sdk/types.ts';
import type { Masker } from './secret-masker.ts';

/**
 * Evidence files live under DATA_DIR/evidence/<run>/; a step keeps only their references.
 * Text evidence is masked like everything else; images (screenshots) are the node's job: a browser
 * connector must hide password fields before it takes one.
 */
export function evidenceSink(dir: string, runId: string, recordIndex: number, collect: string[], masker?: Masker): EvidenceSink {
  return {
    async attach(name, content, mime) {
      if (masker?.active) {
        name = masker.mask(name);
        if (typeof content === 'string') content = masker.mask(content);
        else if (isText(mime)) content = Buffer.from(masker.mask(Buffer.from(content).toString('utf8')), 'utf8');
      }
      const safe = name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80) || 'evidence';
      const ref = `${runId}/${recordIndex}-${Date.now().toString(36)}-${safe}`;
      const file = path.join(dir, ref);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content);
      collect.push(ref);
      return ref;
    },
  };
}

function isText(mime: string): boolean {
  return /^text\/|[/+](json|xml|csv|javascript|x-www-form-urlencoded)\b/i.test(mime ?? '');
}
