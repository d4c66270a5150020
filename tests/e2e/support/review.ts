import { api, type FlowEntry } from './api.ts';

/** trigger → score = n * 2 → if score > 10 → end success / end needs_review (like tests/unit/server/support.ts). */
export function scoringFlowDoc(id: string, name: string) {
  return {
    format: 'conveyor.flow/v1',
    id,
    name,
    description: '',
    settings: { concurrency: 4 },
    nodes: [
      { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: '[]' } },
      { id: 'score', type: 'core.set-fields', name: 'Compute score', position: { x: 220, y: 0 }, params: { fields: [{ name: 'score', value: 'n * 2' }], keepOtherFields: true } },
      { id: 'check', type: 'core.if', name: 'High score?', position: { x: 440, y: 0 }, params: { condition: 'score > 10' } },
      { id: 'ok', type: 'core.end', position: { x: 660, y: -80 }, params: { status: 'success' } },
      { id: 'review', type: 'core.end', name: 'Needs review', position: { x: 660, y: 80 }, params: { status: 'needs_review', reason: 'Score too low' } },
    ],
    edges: [
      { id: 'e1', source: 'trigger', sourcePort: 'out', target: 'score', targetPort: 'in' },
      { id: 'e2', source: 'score', sourcePort: 'out', target: 'check', targetPort: 'in' },
      { id: 'e3', source: 'check', sourcePort: 'true', target: 'ok', targetPort: 'in' },
      { id: 'e4', source: 'check', sourcePort: 'false', target: 'review', targetPort: 'in' },
    ],
  };
}

/** Imports a flow file through the API (POST /api/flows/import). */
export function importFlowViaApi(base: string, doc: unknown): Promise<FlowEntry> {
  return api<FlowEntry>(base, 'POST', '/api/flows/import', doc);
}

export interface ReviewPage {
  total: number;
  items: Array<{ runId: string; index: number; status: string; flowId: string; flowName: string; error: { code: string } | null }>;
}

export function reviewQueue(base: string, query: Record<string, string | number> = {}): Promise<ReviewPage> {
  const q = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  return api<ReviewPage>(base, 'GET', `/api/review${q.size ? `?${q}` : ''}`);
}

export interface RecordEvent {
  at: string;
  from: string | null;
  to: string | null;
  actor: string;
  action: string;
  note: string | null;
  data: unknown;
}

export function recordDetail(base: string, runId: string, index: number) {
  return api<{ record: { index: number; status: string; data: Record<string, unknown> }; steps: unknown[]; events?: RecordEvent[] }>(base, 'GET', `/api/runs/${runId}/records/${index}`);
}

/** Polls `check` until it returns a value that is not undefined/false. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
