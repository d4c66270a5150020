import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EvidenceSink } from '../../nodes/sdk/types.ts';

/** Evidence files live under DATA_DIR/evidence/<run>/; a step keeps only their references. */
export function evidenceSink(dir: string, runId: string, recordIndex: number, collect: string[]): EvidenceSink {
  return {
    async attach(name, content, _mime) {
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
