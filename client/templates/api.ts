import { api } from '../api/http.ts';
import type { FlowEntry } from '../api/types.ts';

/** One thing a template needs (GET /api/templates, server/templates/templates.ts). */
export type TemplateNeed =
  | { kind: 'credential'; name: string; credentialKind: string; nodeTypes: string[]; text: string; present?: boolean }
  | { kind: 'demo' | 'hosts'; hosts: string[]; text: string }
  | { kind: 'file' | 'schedule' | 'records'; text: string };

export interface TemplateInfo {
  id: string;
  name: string;
  description: string;
  nodeCount: number;
  trigger: { type: string; title: string };
  steps: string[];
  needs: TemplateNeed[];
}

export const templatesApi = {
  list: () => api.get<TemplateInfo[]>('/api/templates'),
  /** Imports a copy of the template as a new flow. */
  use: (id: string) => api.post<FlowEntry>(`/api/templates/${encodeURIComponent(id)}/use`, {}),
};
