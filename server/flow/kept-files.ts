/**
 * Files chosen in node forms, between a flow file and the store (nodes/sdk/kept-file.ts). A flow
 * file — an export, a file given to `conveyor run` — carries each file's bytes as `base64`; what the
 * studio saves, and what each run copies, names them by SHA-256 only: `keepFilesApart` keeps the
 * bytes in the store (KeptFileStore) and drops them from the document, `withKeptFiles` puts them back
 * for an export. A file named only by its SHA-256 must be kept by this studio: else the flow is
 * refused (E_FLOW_INVALID, the param's path), not saved to fail at its first record.
 */
import type { NodeRegistry } from '../../nodes/registry.ts';
import { isKeptFileParam, type KeptFile } from '../../nodes/sdk/kept-file.ts';
import type { FlowDocument } from '../contract/flow/schema.ts';
import type { FlowProblem } from '../contract/flow/problems.ts';
import type { KeptFileStore } from '../store/types.ts';
import { invalid } from './validate.ts';

/** Each chosen file of the flow: the node's index, the param's key, the value. */
function* chosenFiles(doc: FlowDocument, registry: NodeRegistry): Generator<{ at: number; key: string; file: KeptFile }> {
  for (const [at, node] of doc.nodes.entries()) {
    const shape = (registry.get(node.type)?.params as { shape?: Record<string, unknown> } | undefined)?.shape;
    if (!shape) continue;
    for (const [key, schema] of Object.entries(shape)) {
      const value = (node.params as Record<string, unknown>)[key];
      if (isKeptFileParam(schema) && value && typeof value === 'object') yield { at, key, file: value as KeptFile };
    }
  }
}

function withParam(doc: FlowDocument, at: number, key: string, value: KeptFile): FlowDocument {
  const nodes = doc.nodes.slice();
  nodes[at] = { ...nodes[at], params: { ...nodes[at].params, [key]: value } };
  return { ...doc, nodes };
}

/**
 * The flow as the studio keeps it: each chosen file's bytes kept in the store (durably, before the
 * flow that names them is written) and named by their SHA-256. A flow that names a file this studio
 * does not keep is refused.
 */
export async function keepFilesApart(doc: FlowDocument, registry: NodeRegistry, store: KeptFileStore): Promise<FlowDocument> {
  let out = doc;
  const problems: FlowProblem[] = [];
  for (const { at, key, file } of [...chosenFiles(doc, registry)]) {
    const path = `$.nodes[${at}].params.${key}`;
    if (file.base64 !== undefined) {
      const sha256 = await store.putKeptFile(Buffer.from(file.base64, 'base64'));
      if (file.sha256 !== undefined && file.sha256 !== sha256) {
        problems.push({ path, message: `The file ${JSON.stringify(file.name)} does not hold the bytes its SHA-256 names (the flow file was edited): choose the file again.` });
        continue;
      }
      const { base64: _bytes, ...named } = file;
      out = withParam(out, at, key, { ...named, sha256 });
    } else if (file.sha256 !== undefined) {
      const kept = await store.readKeptFile(file.sha256);
      if (kept === null) {
        problems.push({
          path,
          message: `The file ${JSON.stringify(file.name)} chosen in node "${doc.nodes[at].id}" is not kept by this studio (the flow names it by its SHA-256 only): choose the file again, or import the flow from an export, which carries its files.`,
        });
      } else if (kept.length !== file.size) {
        problems.push({ path, message: `The file ${JSON.stringify(file.name)} is said to hold ${file.size} bytes; the file kept under its SHA-256 holds ${kept.length} (the flow file was edited): choose the file again.` });
      }
    }
  }
  if (problems.length) throw invalid(problems);
  return out;
}

/** The flow with each chosen file's bytes put back (an export); a file the store no longer keeps stays named only. */
export async function withKeptFiles(doc: FlowDocument, registry: NodeRegistry, store: KeptFileStore): Promise<FlowDocument> {
  let out = doc;
  for (const { at, key, file } of [...chosenFiles(doc, registry)]) {
    if (file.base64 !== undefined || file.sha256 === undefined) continue;
    const bytes = await store.readKeptFile(file.sha256);
    if (bytes) out = withParam(out, at, key, { ...file, base64: bytes.toString('base64') });
  }
  return out;
}
