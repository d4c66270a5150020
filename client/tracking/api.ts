import { api } from '../api/http.ts';
// GET /api/tracking/runs/:id/records/:index, /api/suppressions (docs/api.md, "Tracking"): the contract's types.
import type { RecordTrackingAnswer, Suppression, SuppressionPage } from '../../server/contract/wire/tracking.ts';

const enc = encodeURIComponent;

export const trackingApi = {
  recordEvents: (runId: string, index: number) => api.get<RecordTrackingAnswer>(`/api/tracking/runs/${enc(runId)}/records/${index}`),
  suppressions: (params: { search?: string; offset?: number; limit?: number } = {}) => {
    const q = new URLSearchParams();
    if (params.search) q.set('search', params.search);
    q.set('offset', String(params.offset ?? 0));
    q.set('limit', String(params.limit ?? 100));
    return api.get<SuppressionPage>(`/api/suppressions?${q}`);
  },
  suppress: (address: string, note?: string) => api.post<Suppression>('/api/suppressions', { address, ...(note ? { note } : {}) }),
  unsuppress: (address: string) => api.del<void>(`/api/suppressions/${enc(address)}`),
};
