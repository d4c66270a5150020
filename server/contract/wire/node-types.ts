/** The node catalog as it crosses the wire (GET /api/node-types): plain JSON, no functions. */
import type { CredentialRequirement, DynamicPorts, NodeCategory, PortSpec, SideEffect } from '../data.ts';

/** What GET /api/node-types serves for one node type (built by nodes/registry.ts). */
export interface NodeTypeInfo {
  type: string;
  title: string;
  category: NodeCategory;
  description: string;
  icon?: string;
  effect: SideEffect;
  trigger: boolean;
  collect: boolean;
  /** A trigger that reads a spreadsheet given to the run. */
  acceptsFile: boolean;
  /** A trigger whose records form groups (search groups and their terms): GET /api/runs/:id/groups. */
  grouped: boolean;
  inputs: PortSpec[];
  outputs: PortSpec[];
  errorPort: PortSpec;
  dynamicOutputs?: DynamicPorts;
  credentials: CredentialRequirement[];
  paramsSchema: Record<string, unknown>;
  defaults: Record<string, unknown>;
}
