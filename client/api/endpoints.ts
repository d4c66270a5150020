import { api, request } from './http.ts';
import type {
  FlowDocument,
  FlowEntry,
  FlowSummary,
  LogLine,
  NodeTypeInfo,
  Page,
  RecordDetailResponse,
  RecordStatus,
  RecordSummary,
  RecordsPage,
  ReviewActionBody,
  ReviewActionResult,
  ReviewItem,
  ReviewQuery,
  RunGroupsResponse,
  RunInputBody,
  RunSummary,
} from './types.ts';

const enc = encodeURIComponent;

export const nodeTypesApi = {
  list: () => api.get<NodeTypeInfo[]>('/api/node-types'),
};

export const flowsApi = {
  list: () => api.get<FlowSummary[]>('/api/flows'),
  get: (id: string) => api.get<FlowEntry>(`/api/flows/${enc(id)}`),
  create: (name: string) => api.post<FlowEntry>('/api/flows', { name }),
  save: (doc: FlowDocument) => api.put<FlowEntry>(`/api/flows/${enc(doc.id)}`, doc),
  rename: (id: string, name: string) => api.patch<FlowEntry>(`/api/flows/${enc(id)}`, { name }),
  remove: (id: string) => api.del<void>(`/api/flows/${enc(id)}`),
  /** Imports a parsed flow file; 422 E_FLOW_INVALID lists every problem. */
  importFlow: (file: unknown, onConflict: 'copy' | 'replace' = 'copy') => request<FlowEntry>('POST', `/api/flows/import?onConflict=${onConflict}`, JSON.stringify(file)),
  exportUrl: (id: string) => `/api/flows/${enc(id)}/export`,
};

export const runsApi = {
  start: (flowId: string, input?: RunInputBody, settings?: { concurrency?: number; reprocess?: boolean }) =>
    api.post<RunSummary>('/api/runs', { flowId, ...(input ? { input } : {}), ...(settings ? { settings } : {}) }),
  list: (params: { flowId?: string; limit?: number } = {}) => {
    const q = new URLSearchParams();
    if (params.flowId) q.set('flowId', params.flowId);
    if (params.limit) q.set('limit', String(params.limit));
    const s = q.toString();
    return api.get<RunSummary[]>(`/api/runs${s ? `?${s}` : ''}`);
  },
  get: (id: string) => api.get<RunSummary>(`/api/runs/${enc(id)}`),
  pause: (id: string) => api.post<RunSummary>(`/api/runs/${enc(id)}/pause`),
  resume: (id: string) => api.post<RunSummary>(`/api/runs/${enc(id)}/resume`),
  stop: (id: string) => api.post<RunSummary>(`/api/runs/${enc(id)}/stop`),
  records: (id: string, params: { status?: RecordStatus | ''; offset?: number; limit?: number } = {}) => {
    const q = new URLSearchParams();
    if (params.status) q.set('status', params.status);
    q.set('offset', String(params.offset ?? 0));
    q.set('limit', String(params.limit ?? 100));
    return api.get<RecordsPage>(`/api/runs/${enc(id)}/records?${q}`);
  },
  record: (id: string, index: number) => api.get<RecordDetailResponse>(`/api/runs/${enc(id)}/records/${index}`),
  /** Progress per search group and term (grouped triggers); `{ grouped: false }` otherwise. */
  groups: (id: string) => api.get<RunGroupsResponse>(`/api/runs/${enc(id)}/groups`),
  logs: (id: string, offset = 0, limit = 1000) => api.get<Page<LogLine>>(`/api/runs/${enc(id)}/logs?offset=${offset}&limit=${limit}`),
};

export const reviewApi = {
  /** Records needing attention (needs_review and failed, or the status given), newest runs first. */
  list: (params: ReviewQuery = {}) => {
    const q = new URLSearchParams();
    if (params.flowId) q.set('flowId', params.flowId);
    if (params.runId) q.set('runId', params.runId);
    if (params.code) q.set('code', params.code);
    if (params.nodeId) q.set('nodeId', params.nodeId);
    if (params.status) q.set('status', params.status);
    q.set('offset', String(params.offset ?? 0));
    q.set('limit', String(params.limit ?? 50));
    return api.get<Page<ReviewItem>>(`/api/review?${q}`);
  },
  /** Retry, skip or resolve records; every item gets its own result (some may fail). */
  act: (body: ReviewActionBody) => api.post<{ results: ReviewActionResult[] }>('/api/review/actions', body),
};

/** One flow's schedule (GET /api/schedules; see docs/api.md, "Schedules"). */
export interface ScheduleInfo {
  flowId: string;
  flowName: string;
  triggerId: string;
  enabled: boolean;
  mode: 'interval' | 'cron' | null;
  description: string;
  next: string[];
  lastTick: string | null;
  lastRunId: string | null;
  skipped: number;
  error: { code: string; message: string; hint: string } | null;
}

export const schedulesApi = {
  list: () => api.get<ScheduleInfo[]>('/api/schedules'),
  setEnabled: (flowId: string, enabled: boolean) => api.put<ScheduleInfo>(`/api/flows/${enc(flowId)}/schedule`, { enabled }),
  /** The next 5 times of a Schedule trigger's params; 422 E_SCHEDULE_INVALID when they are not usable. */
  preview: (params: Record<string, unknown>) => api.post<{ next: string[] }>('/api/schedules/preview', { params }),
};
