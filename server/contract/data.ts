/**
 * The data words every layer speaks: what a record carries, ports, node categories, log levels,
 * a step's coded error. Framework-free: the studio, the server, the nodes and the CLI import them
 * from here (the node SDK re-exports them for node authors).
 */
import { TERMINAL_RECORD_STATUSES } from './status.ts';

/** Any JSON value a record can carry between steps. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** The data of one record (or one child of a split) as it travels the graph. */
export type RecordData = { [key: string]: Json };

export type SideEffect = 'none' | 'idempotent' | 'unsafe';
/** How a path of a record ends (the record statuses a walk can end in). */
export type TerminalStatus = (typeof TERMINAL_RECORD_STATUSES)[number];
export const TERMINAL_STATUSES: readonly TerminalStatus[] = TERMINAL_RECORD_STATUSES;

export type NodeCategory = 'Triggers' | 'Data' | 'Flow' | 'Network' | 'Output';

export interface PortSpec {
  id: string;
  label: string;
}

/**
 * Output ports that depend on the node's parameters (e.g. one port per switch rule):
 * every element of `params[param]` adds a port whose id is `element[idField]`.
 */
export interface DynamicPorts {
  param: string;
  idField: string;
  labelField?: string;
}

/**
 * A credential a node uses: `name` is the param that holds the credential's name (flows store
 * only names, never secrets), `kind` the kind (or kinds) of credential it accepts.
 */
export interface CredentialRequirement {
  name: string;
  kind: string | string[];
  optional?: boolean;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A row refused before execution, with the reason a person can act on. */
export interface RejectInfo {
  /** Row number as the operator sees it in the file (header = 1, first data row = 2). */
  row: number;
  field: string | null;
  rule: string;
  value: Json;
  message: string;
}

/** A step's failure as it is stored and sent: a stable code, what went wrong, what to do. */
export interface StepErrorInfo {
  code: string;
  message: string;
  hint: string;
  transient: boolean;
}
