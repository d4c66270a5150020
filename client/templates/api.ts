import { api } from '../api/http.ts';
import type { FlowEntry } from '../api/types.ts';

// The wire types are the contract's (one definition): type-only, nothing of the server is bundled.
import type { TemplateInfo, TemplateNeed } from '../../server/contract/wire/flows.ts';
export type { TemplateInfo, TemplateNeed };

export const templatesApi = {
  list: () => api.get<TemplateInfo[]>('/api/templates'),
  /** Imports a copy of the template as a new flow. */
  use: (id: string) => api.post<FlowEntry>(`/api/templates/${encodeURIComponent(id)}/use`, {}),
};
