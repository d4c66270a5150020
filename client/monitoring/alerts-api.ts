import { api } from '../api/http.ts';
import type { AlertSettings } from '../../server/contract/wire/monitoring-settings.ts';
import type { Delivery, Firing } from '../../server/contract/wire/monitoring.ts';

export type { AlertSettings, Delivery };
export type AlertRule = AlertSettings['rules'][number];

/** GET/PUT /api/flows/:id/alerts (docs/api.md, "Monitoring"). */
export interface AlertView {
  settings: AlertSettings;
  firing: Array<Firing & { ruleId: string }>;
  deliveries: Delivery[];
}

const enc = encodeURIComponent;

export const alertsApi = {
  get: (flowId: string) => api.get<AlertView>(`/api/flows/${enc(flowId)}/alerts`),
  save: (flowId: string, settings: AlertSettings) => api.put<AlertView>(`/api/flows/${enc(flowId)}/alerts`, settings),
  test: (flowId: string) => api.post<{ deliveries: Delivery[] }>(`/api/flows/${enc(flowId)}/alerts/test`),
};
