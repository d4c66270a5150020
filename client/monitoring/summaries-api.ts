import { api } from '../api/http.ts';
import type { SummarySetting } from '../../server/contract/wire/monitoring-settings.ts';
import type { Delivery } from '../../server/contract/wire/monitoring.ts';
import type { ActiveRunInfo } from '../../server/contract/wire/monitoring.ts';

export type { SummarySetting, ActiveRunInfo };

export interface SummariesView {
  summaries: SummarySetting[];
  deliveries: Delivery[];
}

/** GET/PUT /api/monitoring/summaries, GET /api/monitoring/runs (docs/api.md, "Monitoring"). */
export const monitoringApi = {
  summaries: () => api.get<SummariesView>('/api/monitoring/summaries'),
  saveSummaries: (summaries: SummarySetting[]) => api.put<SummariesView>('/api/monitoring/summaries', { summaries }),
  runs: () => api.get<ActiveRunInfo[]>('/api/monitoring/runs'),
};
