import type { z } from 'zod';
import type { NetworkAccess } from './network.ts';
import type { FlowCalls, TrackingAccess } from './services.ts';
import type { Json, RecordData, SideEffect, TerminalStatus, NodeCategory, PortSpec, DynamicPorts, CredentialRequirement, LogLevel, RejectInfo } from '../../server/contract/data.ts';

// The data words (records, ports, categories, log levels) belong to the contract; node authors get them here.
export type { Json, RecordData, SideEffect, TerminalStatus, NodeCategory, PortSpec, DynamicPorts, CredentialRequirement, LogLevel, RejectInfo };
export { TERMINAL_STATUSES } from '../../server/contract/data.ts';

/** A credential resolved from the vault for one step: its secrets are in clear, in memory only. */
export interface ResolvedCredential {
  name: string;
  kind: string;
  /** The non-secret fields (host, port, user, header…). */
  fields: { [key: string]: Json };
  /** The secret fields (password, key…), in clear: never put them in a record, a log line or an error. */
  secrets: { [key: string]: string };
}

export interface CredentialRequest {
  /**
   * The host the node will contact (`url.host`, e.g. api.example.com or 127.0.0.1:8080). Required
   * when the credential is limited to some hosts; the engine refuses a host outside its scope.
   */
  host?: string;
  /** The kind(s) of credential the node can use; default: the kinds the node declares in `credentials`. */
  kind?: string | string[];
}

export interface CredentialAccess {
  /**
   * Resolves a credential by name through the vault. The engine checks its scope (this node type,
   * the host given) and masks every secret it returns, wherever it would show up later
   * (log lines, records, errors, live updates). Fails with a NodeError: E_CREDENTIAL_NOT_FOUND,
   * E_CREDENTIAL_SCOPE or E_CREDENTIAL_KIND.
   */
  get(name: string, request?: CredentialRequest): Promise<ResolvedCredential>;
}

export interface NodeLogger {
  debug(message: string, data?: Json): void;
  info(message: string, data?: Json): void;
  warn(message: string, data?: Json): void;
  error(message: string, data?: Json): void;
}

export interface EvidenceSink {
  /** Stores a piece of evidence (screenshot, file, text) and returns its reference. */
  attach(name: string, content: Uint8Array | string, mime: string): Promise<string>;
}

/**
 * Things a node opens once and shares: a browser for the whole run, a browser context for one
 * record. `open` runs the first time a key is asked for; `close` runs when the scope ends (the
 * run ends or is stopped; the record finishes or pauses), whatever happened in between.
 */
export interface ResourceScope {
  get<T>(key: string, open: () => Promise<T>, close: (value: T) => Promise<void> | void): Promise<T>;
}

export interface NodeResources {
  /** Shared by every record of the run; closed when the run stops executing. */
  run: ResourceScope;
  /** This record's own; closed when the record stops executing (finished, paused, stopped). */
  record: ResourceScope;
}

/**
 * Where a node's persisted state lives: `run` (this run only) or `flow` (shared by every run of
 * the flow: counters that must survive from one run to the next, seen keys across runs).
 */
export type StateScope = 'run' | 'flow';

/**
 * A node's persisted state, read during a step. The step writes it back through `StepResult.state`;
 * the engine commits those writes in the same atomic write as the step itself, so after a crash the
 * state matches exactly the steps that were committed. Steps of a stateful node run one at a time.
 */
export interface NodeStateAccess {
  get(key: string): Promise<Json | null>;
  /** Every key starting with `prefix` (all keys when empty), in key order. */
  list(prefix?: string): Promise<Array<{ key: string; value: Json }>>;
}

/** A write to a node's state: `value: null` deletes the key. */
export interface StateWrite {
  key: string;
  value: Json | null;
}

export interface NodeContext<P> {
  params: P;
  /** The record's data as it arrived at this step. */
  input: RecordData;
  /** Aborted when the run is stopped or the step times out: long work must honour it. */
  signal: AbortSignal;
  log: NodeLogger;
  evidence: EvidenceSink;
  /** Credentials from the vault, by name (see `CredentialAccess`). */
  credentials: CredentialAccess;
  /**
   * The network policy of the run (`nodes/sdk/network.ts`): every connection a step opens goes
   * through it (`fetch`, `resolve`), so local and private addresses are reached only when allowed.
   */
  network: NetworkAccess;
  resources: NodeResources;
  attempt: number;
  run: { id: string; flowId: string };
  record: { id: string; index: number };
  node: { id: string; name: string };
  /** Only for collect nodes: the data of every token gathered, in arrival order. */
  collected?: RecordData[];
  /** The node's persisted state (nodes that declare `state`; empty for the others). */
  state: NodeStateAccess;
  /** Tracked mail for this record and step (signed links, the suppression list): given by the studio and the CLI. */
  tracking?: TrackingAccess;
  /** Starting other flows from this step (the Run flow step): given by the engine. */
  flows?: FlowCalls;
  /** Files chosen in node forms, kept by the studio (kept-file.ts): given by the engine. */
  files?: KeptFileAccess;
}

/** Reads a file chosen in a node form by its SHA-256; null when the studio keeps none such. */
export interface KeptFileAccess {
  read(sha256: string): Promise<Buffer | null>;
}

export interface Emission {
  port: string;
  data: RecordData;
}

/**
 * What a step produced. Each emission becomes a token that follows the edges of its port;
 * several emissions fan the record out (split). `end` finishes this token with a terminal status.
 */
export interface StepResult {
  emit: Emission[];
  end?: { status: TerminalStatus; reason?: string };
  /** Writes to the node's state, committed with the step (nodes that declare `state` only). */
  state?: StateWrite[];
}

/** What every node type declares, step or trigger. */
export interface NodeBase<S extends z.ZodType = z.ZodType> {
  type: string;
  title: string;
  category: NodeCategory;
  description: string;
  /**
   * The node's icon: a lucide icon name (https://lucide.dev/icons, e.g. 'pencil-line'), drawn as SVG
   * by the studio (client/canvas/NodeGlyph.tsx bundles the names it knows); other names, or 1–2
   * letters, show the type's initials.
   */
  icon?: string;
  params: S;
  outputs: PortSpec[];
  dynamicOutputs?: DynamicPorts;
  credentials?: CredentialRequirement[];
  effect: SideEffect;
  /**
   * The node keeps persisted state (`ctx.state`, `StepResult.state`) in this scope. Its steps then run
   * one at a time (across runs too, for `flow`), from reading the state to committing the step.
   */
  state?: StateScope | ((params: z.infer<S>) => StateScope);
  /**
   * A live session the record holds between steps (a browser page) that no restart keeps: `opens`
   * starts it, `uses` needs it. When a record resumes after a crash or a Stop at a `uses` step, the
   * engine replays its path from the `opens` step that started the session — unless an unsafe step
   * committed since, which a replay would repeat: then the record goes to review (`E_SESSION_LOST`).
   */
  session?: 'opens' | 'uses';
  run(ctx: NodeContext<z.infer<S>>): Promise<StepResult> | StepResult;
}

/** What only a trigger declares (`defineTrigger`): how the run's records are made, paced and grouped. */
export interface TriggerCapabilities<S extends z.ZodType = z.ZodType> {
  /** The trigger reads a spreadsheet file given to the run (the run dialog offers a file). */
  acceptsFile?: boolean;
  /**
   * How the run paces its records (e.g. one search term every N seconds). The next record starts no
   * earlier than `intervalMs` after the previous one started, in record order, across pauses and
   * restarts (the previous start is read back from the store).
   */
  pacing?(params: z.infer<S>): { intervalMs: number } | null;
  /** The record fields that group the run's records (a search group and its terms), for the grouped progress and log of the run panel. */
  grouping?(params: z.infer<S>): { groupField: string; itemField: string } | null;
  /**
   * Builds the run's records from the trigger's params and the run input. Rows that cannot be used
   * are returned as rejects: they are reported and never executed.
   */
  records?(params: z.infer<S>, input: RunInput | undefined, signal?: AbortSignal): Promise<TriggerRecords> | TriggerRecords;
}

/**
 * A node type as the registry and the engine read it: one shape for steps (`defineNode`) and
 * triggers (`defineTrigger`), its ports filled in; trigger capabilities are set on triggers only.
 */
export interface NodeDefinition<S extends z.ZodType = z.ZodType> extends NodeBase<S>, TriggerCapabilities<S> {
  inputs: PortSpec[];
  /** A trigger has no input and produces the run's records. */
  trigger?: boolean;
  /** A collect node waits for every sibling token of the split/fan-out before it runs once. */
  collect?: boolean;
}

/** What the operator gives a run: records typed in, pasted, a file's text, or an uploaded file. */
export interface RunInput {
  records?: RecordData[];
  text?: string;
  format?: 'json' | 'csv';
  /** An uploaded file (spreadsheet), already on disk under DATA_DIR/uploads. */
  file?: { path: string; name: string };
}

/**
 * What a trigger gives a run. `rows`, when the records come from a file, is the row each record was
 * read from (same order as `records`, as the operator sees it in the file): reasons and reports name
 * it ("sheet row 12") without adding a field to the record's data.
 */
export type TriggerRecords = RecordData[] | { records: RecordData[]; rejects: RejectInfo[]; rows?: number[] };

export type AnyNodeDefinition = NodeDefinition<z.ZodType>;
