import type { CredentialAccess, EvidenceSink, Json, KeptFileAccess, LogLevel, NodeLogger } from '../../nodes/sdk/types.ts';
import type { FlowCalls, TrackingAccess } from '../../nodes/sdk/services.ts';
import type { CompiledNode } from './compiled-flow.ts';
import type { RunContext } from './record-walker.ts';
import type { Masker } from './secret-masker.ts';
import { credentialAccess } from './credentials.ts';
import { evidenceSink } from './evidence.ts';

/**
 * The services of one step's context that most steps never use — a logger, the evidence sink,
 * credentials, tracked mail, Run flow calls — made when the node first asks for one (`runStep`
 * builds `ctx.log` and the others from here). Made for every step before, they cost about a dozen
 * objects and closures a step (the Run flow host alone seven closures); a 10k-record chain profile
 * put them at 2 % of the run's CPU (issue 17, docs/benchmarks.md).
 */
export class StepServices {
  constructor(
    private readonly rc: RunContext,
    private readonly recordIndex: number,
    private readonly node: CompiledNode,
    private readonly masker: Masker,
    /** The step's evidence references: the sink adds to it, the step row keeps it. */
    private readonly evidenceRefs: string[],
    /** The number the step commits with (a child run is named after it). */
    private readonly seq: number,
    private readonly tokenId: number,
  ) {}

  log(): NodeLogger {
    return nodeLogger(this.rc, this.recordIndex, this.node.id, this.masker);
  }

  evidence(): EvidenceSink {
    // A store that keeps evidence itself (PostgreSQL: studios and workers on other machines read it) gets it; else files.
    const store = this.rc.store;
    const put = store.putEvidence ? (ref: string, bytes: Buffer) => store.putEvidence!(this.rc.runId, ref, bytes) : undefined;
    return evidenceSink(this.rc.evidenceDir, this.rc.runId, this.recordIndex, this.evidenceRefs, this.masker, put);
  }

  credentials(): CredentialAccess {
    return credentialAccess(this.rc.credentials, this.node.def, this.node.name, this.rc.masker);
  }

  tracking(): TrackingAccess | undefined {
    return this.rc.tracking?.forStep({ runId: this.rc.runId, recordIndex: this.recordIndex, nodeId: this.node.id });
  }

  flows(): FlowCalls | undefined {
    return this.rc.flows?.({ recordIndex: this.recordIndex, nodeId: this.node.id, seq: this.seq, tokenId: this.tokenId });
  }

  files(): KeptFileAccess {
    const store = this.rc.store;
    return { read: (sha256) => store.readKeptFile(sha256) };
  }
}

/** A node's log lines, masked by the record's masker (also when written after its run ended: a step that ignored its timeout). */
function nodeLogger(rc: RunContext, index: number, nodeId: string, masker: Masker): NodeLogger {
  const line = (level: LogLevel) => (message: string, data?: Json) =>
    rc.logs.add(rc.runId, index, nodeId, level, message, data === undefined ? null : data, masker);
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}
