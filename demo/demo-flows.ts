/**
 * The example flows `npm run demo` puts in the studio under their own ids, so the payment provider's
 * default hook (/hooks/payment-webhook/payments) and the daily flow's Run flow step (lead-pipeline)
 * find them. A flow the studio already has is left as it is (the operator may have edited it): the
 * demo never overwrites, and never makes copies.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEMO_FLOWS = ['lead-pipeline', 'lead-pipeline-daily', 'payment-webhook'] as const;

const FLOWS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'flows');

/** Imports each demo flow the studio at `studioUrl` does not have yet; says what happened. */
export async function importDemoFlows(studioUrl: string, ids: readonly string[] = DEMO_FLOWS): Promise<{ ok: boolean; message: string }> {
  const done: string[] = [];
  try {
    for (const id of ids) {
      const existing = await fetch(`${studioUrl}/api/flows/${encodeURIComponent(id)}`);
      if (existing.ok) {
        done.push(`${id} (already there, left as it is)`);
        continue;
      }
      if (existing.status !== 404) return { ok: false, message: `could not read the studio's flows (${existing.status}; is a password set? then import flows/${id}.json on the Flows page)` };
      const res = await fetch(`${studioUrl}/api/flows/import`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: studioUrl },
        body: readFileSync(path.join(FLOWS_DIR, `${id}.json`), 'utf8'),
      });
      if (!res.ok) return { ok: false, message: `the studio refused flows/${id}.json: ${res.status} ${(await res.text()).slice(0, 200)}` };
      done.push(`${id} (imported)`);
    }
    return { ok: true, message: `flows in the studio at ${studioUrl}: ${done.join(', ')}` };
  } catch {
    return { ok: false, message: `no studio answered at ${studioUrl} (start it with npm start, then restart the demo, or import the flows from flows/ by hand)` };
  }
}
