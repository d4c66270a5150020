/** Direct REST calls for test setup (what scripts can do too, see docs/api.md). */

export interface CatalogEntry {
  type: string;
  paramsSchema: { properties?: Record<string, { type?: string; enum?: unknown[] }> };
  defaults: Record<string, unknown>;
}

export async function api<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(base + path, { method, headers: body !== undefined ? { 'content-type': 'application/json' } : {}, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** The name of the delay node's duration param, read from its schema (its first number field). */
export function delayParam(catalog: CatalogEntry[]): string {
  const delay = catalog.find((t) => t.type === 'core.delay');
  const props = delay?.paramsSchema.properties ?? {};
  const name = Object.keys(props).find((k) => props[k].type === 'integer' || props[k].type === 'number');
  if (!name) throw new Error('core.delay has no number param');
  return name;
}

/** The log node's message param (prefers "message", else its first text field without choices). */
export function logParam(catalog: CatalogEntry[]): string {
  const log = catalog.find((t) => t.type === 'core.log');
  const props = log?.paramsSchema.properties ?? {};
  if (props.message) return 'message';
  const name = Object.keys(props).find((k) => props[k].type === 'string' && !props[k].enum);
  if (!name) throw new Error('core.log has no text param');
  return name;
}

export interface FlowEntry {
  id: string;
  flow: { id: string; nodes: Array<{ id: string; type: string; params: Record<string, unknown>; position: { x: number; y: number }; name?: string }>; edges: unknown[]; [k: string]: unknown };
}

export interface RunSummary {
  id: string;
  status: string;
  counts: Record<string, number>;
  recordCount: number;
  /** Why the run halted or failed (Safe Stop, a crash), as the studio says it. */
  reason?: { code: string; message: string; hint: string } | null;
  startedAt?: string | null;
  endedAt?: string | null;
}

export async function waitForRun(base: string, runId: string, statuses = ['completed', 'failed', 'stopped'], timeoutMs = 60_000): Promise<RunSummary> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const run = await api<RunSummary>(base, 'GET', `/api/runs/${runId}`);
    if (statuses.includes(run.status)) return run;
    if (Date.now() > until) throw new Error(`Run ${runId} is still ${run.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A flow made through the API: the manual trigger the server creates, then a chain of nodes
 * (`out` ports) and optional branches. Positions are laid out left to right.
 */
export async function createFlowViaApi(
  base: string,
  name: string,
  nodes: Array<{ id: string; type: string; params?: Record<string, unknown>; name?: string; x: number; y: number }>,
  edges: Array<[string, string, string]>,
  settings?: { concurrency: number },
): Promise<FlowEntry> {
  const catalog = await api<CatalogEntry[]>(base, 'GET', '/api/node-types');
  const entry = await api<FlowEntry>(base, 'POST', '/api/flows', { name });
  const trigger = entry.flow.nodes[0];
  const doc = {
    ...entry.flow,
    ...(settings ? { settings } : {}),
    nodes: [
      { ...trigger, position: { x: 0, y: 200 } },
      ...nodes.map((n) => ({
        id: n.id,
        type: n.type,
        ...(n.name ? { name: n.name } : {}),
        position: { x: n.x, y: n.y },
        params: { ...(catalog.find((c) => c.type === n.type)?.defaults ?? {}), ...(n.params ?? {}) },
      })),
    ],
    edges: edges.map(([source, sourcePort, target], i) => ({ id: `e${i + 1}`, source: source === 'trigger' ? trigger.id : source, sourcePort, target, targetPort: 'in' })),
  };
  return api<FlowEntry>(base, 'PUT', `/api/flows/${entry.id}`, doc);
}
