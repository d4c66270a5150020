import { randomBytes } from 'node:crypto';
import type { NodeRegistry } from '../../nodes/registry.ts';
import type { FlowRow, Store } from '../store/types.ts';
import { ConveyorError } from '../errors.ts';
import { FLOW_FORMAT, NAME_MAX, nameCharacterProblem, type FlowDocument } from '../contract/flow/schema.ts';
import { canonicalFlow } from '../contract/flow/serialize.ts';
import { invalid, validateFlow } from './validate.ts';
import { flowCallProblems } from './flow-calls.ts';
import { keepFilesApart, withKeptFiles } from './kept-files.ts';
import { StateLocks } from '../engine/node-state.ts';
import type { FlowSummary, FlowEntry } from '../contract/wire/flows.ts';
export type { FlowSummary, FlowEntry };

/**
 * A flow's name as given to create or rename, trimmed; refused when it is not 1 to NAME_MAX characters
 * once trimmed (spaces around a pasted name do not count against it, as the studio's field counts).
 */
export function flowName(name: unknown): string {
  const trimmed = typeof name === 'string' ? name.trim() : '';
  if (!trimmed || trimmed.length > NAME_MAX) {
    const said = typeof name !== 'string' ? 'is not a text' : !trimmed ? 'is empty' : `has ${trimmed.length} characters`;
    throw new ConveyorError('E_FLOW_NAME_INVALID', `A flow name must be 1 to ${NAME_MAX} characters: this one ${said}.`, 'Type a shorter, non-empty name.', 422);
  }
  const problem = nameCharacterProblem(trimmed);
  if (problem) throw new ConveyorError('E_FLOW_NAME_INVALID', `This flow name ${problem}.`, 'Type the name on one line, without tabs or control characters.', 422);
  return trimmed;
}

/** Saved flows: every write is validated first, so the store never holds an invalid flow. */
export class FlowLibrary {
  /** Called with a flow's id after it is created, saved, renamed, imported or deleted (the scheduler re-arms). */
  onChange: ((flowId: string) => void) | null = null;

  /**
   * Writes of one flow id take turns. Two imports at once (a double click, two files with the same
   * id) both found the id free and the second overwrote the first. A rename read the flow, a save
   * wrote it, and the rename wrote the flow it had read back with its new name: the save's changes
   * were gone though both answered 200. A save beside a delete wrote the deleted flow back.
   */
  private readonly writeLocks = new StateLocks();

  constructor(private readonly store: Store, private readonly registry: NodeRegistry) {}

  async list(): Promise<FlowSummary[]> {
    const rows = await this.store.listFlows();
    return rows.map((r) => ({ id: r.id, name: r.name, description: r.doc.description, nodeCount: r.doc.nodes.length, createdAt: r.createdAt, updatedAt: r.updatedAt }));
  }

  async get(id: string): Promise<FlowEntry> {
    const row = await this.store.getFlow(id);
    if (!row) throw notFound(id);
    return entry(row);
  }

  /** A new flow holds a manual trigger, so the operator can press Run at once. */
  async create(name: string): Promise<FlowEntry> {
    const doc: FlowDocument = {
      format: FLOW_FORMAT,
      id: newFlowId(),
      name,
      description: '',
      settings: { concurrency: 4 },
      nodes: [{ id: 'trigger', type: 'core.manual-trigger', name: 'Manual trigger', position: { x: 80, y: 200 }, params: defaultsOf(this.registry, 'core.manual-trigger') }],
      edges: [],
    };
    return this.changed(entry(await this.store.putFlow(canonicalFlow(doc))));
  }

  async save(id: string, raw: unknown): Promise<FlowEntry> {
    return this.writing(id, async () => {
      if (!(await this.store.getFlow(id))) throw notFound(id);
      const doc = this.check(raw);
      await this.checkCalls(doc);
      if (doc.id !== id) {
        throw new ConveyorError('E_FLOW_ID_MISMATCH', `The flow's id "${doc.id}" does not match the address (${id}).`, 'Save the flow under its own id, or import it as a new flow.', 422);
      }
      return this.changed(entry(await this.store.putFlow(canonicalFlow(await keepFilesApart(doc, this.registry, this.store)))));
    });
  }

  async rename(id: string, name: unknown): Promise<FlowEntry> {
    const trimmed = flowName(name);
    return this.writing(id, async () => {
      const current = await this.get(id);
      return this.changed(entry(await this.store.putFlow(canonicalFlow({ ...current.flow, name: trimmed }))));
    });
  }

  async remove(id: string): Promise<void> {
    await this.writing(id, async () => {
      if (!(await this.store.deleteFlow(id))) throw notFound(id);
    });
    this.onChange?.(id);
  }

  /** Imports a flow file. A taken id is either replaced or, by default, imported as a copy. */
  async import(raw: unknown, onConflict: 'copy' | 'replace' = 'copy'): Promise<FlowEntry> {
    let doc = this.check(raw);
    await this.checkCalls(doc);
    doc = await keepFilesApart(doc, this.registry, this.store);
    return this.writing(doc.id, async () => {
      if (onConflict === 'copy' && (await this.store.getFlow(doc.id))) {
        doc = { ...doc, id: newFlowId(), name: `${doc.name} (copy)`.slice(0, 200) };
      }
      return this.changed(entry(await this.store.putFlow(canonicalFlow(doc))));
    });
  }

  /**
   * `write` once the writes of flow `id` sent before it are done: this process's first, then — on a
   * store several studios share (PostgreSQL) — the other processes' (`withFlowLock`).
   */
  private async writing<T>(id: string, write: () => Promise<T>): Promise<T> {
    const release = await this.writeLocks.acquire(id);
    try {
      return await (this.store.withFlowLock ? this.store.withFlowLock(id, write) : write());
    } finally {
      release();
    }
  }

  /** The flow as a file to move elsewhere: its chosen files' bytes put back in (kept-files.ts). */
  async exported(id: string): Promise<FlowDocument> {
    return withKeptFiles((await this.get(id)).flow, this.registry, this.store);
  }

  private changed(e: FlowEntry): FlowEntry {
    this.onChange?.(e.id);
    return e;
  }

  /** Run flow steps that would call their own flow again, directly or through saved flows (flow-calls.ts). */
  async checkCalls(doc: FlowDocument): Promise<void> {
    const problems = await flowCallProblems(doc, async (id) => (await this.store.getFlow(id))?.doc ?? null);
    if (problems.length) throw invalid(problems);
  }

  check(raw: unknown): FlowDocument {
    const result = validateFlow(raw, this.registry);
    if (!result.ok) throw invalid(result.problems);
    return result.flow;
  }
}

function notFound(id: string): ConveyorError {
  return new ConveyorError('E_FLOW_NOT_FOUND', `There is no flow "${id}".`, 'It may have been deleted: open the flow list to see the flows that exist.', 404);
}

function entry(row: FlowRow): FlowEntry {
  return { id: row.id, name: row.name, createdAt: row.createdAt, updatedAt: row.updatedAt, flow: row.doc };
}

function defaultsOf(registry: NodeRegistry, type: string): Record<string, unknown> {
  const parsed = registry.get(type)?.params.safeParse({});
  return parsed?.success ? (parsed.data as Record<string, unknown>) : {};
}

export function newFlowId(): string {
  return `flow_${randomBytes(5).toString('hex')}`;
}
