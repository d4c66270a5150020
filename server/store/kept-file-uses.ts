/**
 * Which kept files (DATA_DIR/kept-files/<sha256>, kept-files.ts) the embedded store's flows and runs
 * name, read from the store's folder without opening it: `store verify` runs beside the studio. A kept
 * file deleted from the folder was seen by nothing — verify checked only the files that were there
 * and said the folder was healthy — until a run of the flow failed on it. Now a file a flow or a run's
 * copy of its flow names and the folder does not hold is reported missing (`checkDataFiles`).
 *
 * What the store holds is the snapshot's rows (flows.doc, runs.flow) and then the journal's entries
 * after it that write them: a flow saved ('F') or deleted ('D'), a run created ('R') or deleted ('Z').
 * A chosen file is a node param shaped as `{ name, type, size, sha256 }` (nodes/sdk/kept-file.ts): found
 * by that shape, so no node registry is needed here.
 */
import type { Database } from 'sql.js';
import { readStoreFolder } from './folder-entries.ts';
import { inspectStore } from './integrity.ts';
import { peekSnapshot } from './snapshot.ts';
import { KEPT_FILE_ID } from './kept-files.ts';

/** Where a kept file is named: "flow "Leads" (step "Attach CV", file "cv.pdf")". */
export type KeptFileUses = Map<string, string[]>;

const KEPT_FILE_KEYS = new Set(['name', 'type', 'size', 'sha256', 'base64']);
/** Uses said per file, at most (a file chosen in many flows and runs is named by the first few). */
const MAX_USES_SAID = 3;

/** A param value shaped as a chosen file that names its bytes by SHA-256. */
function keptFileOf(value: unknown): { sha256: string; name: string } | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.sha256 !== 'string' || !KEPT_FILE_ID.test(v.sha256) || typeof v.name !== 'string' || typeof v.size !== 'number') return null;
  for (const k of Object.keys(v)) if (!KEPT_FILE_KEYS.has(k)) return null;
  return { sha256: v.sha256, name: v.name };
}

/** The kept files a flow document (its JSON text) names, with the step and the file's name. */
export function keptFilesInFlow(docText: unknown): Array<{ sha256: string; step: string; file: string }> {
  if (typeof docText !== 'string' || !docText.includes('"sha256"')) return [];
  let doc: { nodes?: unknown };
  try {
    doc = JSON.parse(docText) as { nodes?: unknown };
  } catch {
    return [];
  }
  const out: Array<{ sha256: string; step: string; file: string }> = [];
  if (!Array.isArray(doc?.nodes)) return out;
  for (const node of doc.nodes as Array<{ id?: unknown; name?: unknown; params?: unknown }>) {
    if (typeof node !== 'object' || node === null || typeof node.params !== 'object' || node.params === null) continue;
    for (const value of Object.values(node.params)) {
      const f = keptFileOf(value);
      if (f) out.push({ sha256: f.sha256, step: String(typeof node.name === 'string' && node.name ? node.name : node.id), file: f.name });
    }
  }
  return out;
}

const parse = (payload: string): unknown[] | null => {
  try {
    const op = JSON.parse(payload) as unknown;
    return Array.isArray(op) ? op : null;
  } catch {
    return null;
  }
};

/**
 * The kept files the store in `storeDir` names (SHA-256 -> where), or null when it cannot be read
 * whole (damaged snapshot or journal: verify reports that on its own, and a guess here could name a
 * file missing that nothing needs).
 */
export async function keptFileUses(storeDir: string): Promise<KeptFileUses | null> {
  const snapshot = await peekSnapshot(storeDir);
  if (snapshot?.state === 'damaged') return null;
  const ins = await inspectStore(storeDir, { snapshot });
  // id -> [name, doc]; run id -> [flow name, flow copy].
  const flows = new Map<string, [string, string]>();
  const runs = new Map<string, [string, string]>();
  const fromSnapshot = (db: Database) => {
    // Only documents that may name a file are read whole.
    for (const v of db.exec("SELECT id, name, doc FROM flows WHERE instr(doc, '\"sha256\"') > 0")[0]?.values ?? []) flows.set(String(v[0]), [String(v[1]), String(v[2])]);
    for (const v of db.exec("SELECT id, flow_name, flow FROM runs WHERE instr(flow, '\"sha256\"') > 0")[0]?.values ?? []) runs.set(String(v[0]), [String(v[1]), String(v[2])]);
  };
  const entry = (payload: string) => {
    const kind = payload.slice(0, 5);
    if (kind === '["F",') {
      const op = parse(payload);
      if (op) flows.set(String(op[1]), [String(op[2]), String(op[3])]);
    } else if (kind === '["D",') {
      const op = parse(payload);
      if (op) flows.delete(String(op[1]));
    } else if (kind === '["R",') {
      // A run's columns come first: id, flow id, flow name, its copy of the flow (a JSON text inside
      // the entry: its quotes escaped). Only an entry that may name a file is read whole.
      if (!payload.includes('sha256')) return;
      const cols = parse(payload)?.[1];
      if (Array.isArray(cols)) runs.set(String(cols[0]), [String(cols[2]), String(cols[3])]);
    } else if (kind === '["Z",') {
      const op = parse(payload);
      if (op) runs.delete(String(op[1]));
    }
  };
  if (!(await readStoreFolder(snapshot, ins, fromSnapshot, entry))) return null;
  const uses: KeptFileUses = new Map();
  const add = (sha: string, where: string) => {
    let list = uses.get(sha);
    if (!list) uses.set(sha, (list = []));
    if (list.length < MAX_USES_SAID) list.push(where);
    else if (list.length === MAX_USES_SAID) list.push('…');
  };
  for (const [name, doc] of flows.values()) for (const k of keptFilesInFlow(doc)) add(k.sha256, `flow "${name}" (step "${k.step}", file "${k.file}")`);
  for (const [id, [name, flow]] of runs) for (const k of keptFilesInFlow(flow)) add(k.sha256, `run ${id} of "${name}" (step "${k.step}", file "${k.file}")`);
  return uses;
}
