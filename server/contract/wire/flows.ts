/** Saved flows as the flow endpoints answer (/api/flows) and the template gallery (/api/templates). */
import type { FlowDocument } from '../flow/schema.ts';

export interface FlowSummary {
  id: string;
  name: string;
  description: string;
  nodeCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface FlowEntry {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  flow: FlowDocument;
}

/** One thing a template needs before it can run. */
export type TemplateNeed =
  /** `present`: set by GET /api/templates — whether the vault holds a credential of that name and kind. */
  | { kind: 'credential'; name: string; credentialKind: string; nodeTypes: string[]; text: string; present?: boolean }
  | { kind: 'demo'; hosts: string[]; text: string }
  | { kind: 'file'; text: string }
  | { kind: 'schedule'; text: string }
  | { kind: 'records'; text: string }
  | { kind: 'hosts'; hosts: string[]; text: string };

/** What GET /api/templates serves for one shipped flow. */
export interface TemplateInfo {
  /** The file name without `.json` (flows/<id>.json). */
  id: string;
  name: string;
  description: string;
  nodeCount: number;
  trigger: { type: string; title: string };
  /** Node type titles, in flow order, each once (what the flow does, at a glance). */
  steps: string[];
  needs: TemplateNeed[];
}

/**
 * A file chosen in a node's form as the studio keeps it (POST /api/kept-files answers it) and as the
 * node's param names it in a saved flow; a flow file (an export) adds its bytes as `base64`
 * (nodes/sdk/kept-file.ts checks the param).
 */
export interface KeptFileInfo {
  name: string;
  type: string;
  size: number;
  sha256: string;
}
