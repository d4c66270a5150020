import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../server/support.ts';
import { until } from '../../support/until.ts';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import { haltClosed, haltOpened, MAX_HALTS } from '../../../server/engine/run-halts.ts';
import { haltedWithin, runWorkingMs } from '../../../server/report/run-working-time.ts';

/**
 * A run paused (or stopped, interrupted) and resumed later did not work while it stood still: its
 * report's duration, its records' times (report, .xlsx, records list) leave that time out, and say
 * how long it was.
 */
let s: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s && (await s.close()));

const HALT_MS = 1500;
const STEP_MS = 250;

function slowFlow(id: string): FlowDocument {
  return {
    format: FLOW_FORMAT,
    id,
    name: 'Slow',
    description: '',
    settings: { concurrency: 2 },
    nodes: [
      { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: '[]' } },
      { id: 'wait', type: 'core.delay', position: { x: 200, y: 0 }, params: { ms: STEP_MS } },
      { id: 'wait2', type: 'core.delay', position: { x: 400, y: 0 }, params: { ms: STEP_MS } },
      { id: 'done', type: 'core.end', position: { x: 600, y: 0 }, params: { status: 'success' } },
    ],
    edges: [
      { id: 'e1', source: 'trigger', sourcePort: 'out', target: 'wait', targetPort: 'in' },
      { id: 'e2', source: 'wait', sourcePort: 'out', target: 'wait2', targetPort: 'in' },
      { id: 'e3', source: 'wait2', sourcePort: 'out', target: 'done', targetPort: 'in' },
    ],
  };
}

describe('a run paused and resumed', () => {
  it("leaves the pause out of the run's duration and of the records' times, and says how long it stood still", async () => {
    const flow = (await s.api('POST', '/api/flows/import', slowFlow('flow_halts'))).body;
    const runId = (await s.api('POST', '/api/runs', { flowId: flow.id, input: { records: Array.from({ length: 6 }, (_, n) => ({ n })) } })).body.id as string;
    // Paused while its first records are between their two delays: they wait out the pause half done.
    await new Promise((r) => setTimeout(r, STEP_MS + 80));
    expect((await s.api('POST', `/api/runs/${runId}/pause`)).status).toBe(200);
    await until('the run paused', () => s.api('GET', `/api/runs/${runId}`), (r) => r.body.status === 'paused');
    await new Promise((r) => setTimeout(r, HALT_MS));
    expect((await s.api('POST', `/api/runs/${runId}/resume`)).status).toBe(200);
    await until('the run completed', () => s.api('GET', `/api/runs/${runId}`), (r) => r.body.status === 'completed');

    // The run's summary (runs list, run panel timer) says how long it stood still.
    const summary = (await s.api('GET', `/api/runs/${runId}`)).body;
    expect(summary.haltedMs).toBeGreaterThanOrEqual(HALT_MS);
    const listed = ((await s.api('GET', '/api/runs?limit=50')).body as Array<{ id: string; haltedMs?: number }>).find((r) => r.id === runId);
    expect(listed?.haltedMs).toBe(summary.haltedMs);

    const report = (await s.api('GET', `/api/runs/${runId}/report`)).body;
    const span = Date.parse(report.endedAt) - Date.parse(report.startedAt);
    expect(span).toBeGreaterThan(HALT_MS);
    expect(report.haltedMs).toBe(summary.haltedMs);
    expect(report.durationMs).toBe(span - report.haltedMs);
    // 6 records × 2 delays of 250 ms, 2 at a time: about 1.5 s of work.
    expect(report.durationMs).toBeGreaterThanOrEqual(3 * 2 * STEP_MS - 50);
    expect(report.reviewWaitMs).toBeUndefined();
    // No record took the pause: each took its two delays.
    expect(report.perRecord.p95Ms).toBeLessThan(2 * STEP_MS + HALT_MS / 2);

    // The records held by the pause say so in the records list; their time there is the flow's.
    const items = (await s.api('GET', `/api/runs/${runId}/records?limit=10`)).body.items as Array<{ startedAt: string; endedAt: string; haltedMs?: number }>;
    const held = items.filter((r) => r.haltedMs !== undefined);
    expect(held.length).toBeGreaterThan(0);
    for (const r of items) expect(Date.parse(r.endedAt) - Date.parse(r.startedAt) - (r.haltedMs ?? 0)).toBeLessThan(2 * STEP_MS + HALT_MS / 2);
    for (const r of held) expect(r.haltedMs).toBeGreaterThanOrEqual(HALT_MS);
  });
});

describe('halts, as intervals', () => {
  const at = (sec: number) => new Date(Date.UTC(2026, 0, 1) + sec * 1000).toISOString();

  it('are opened once, closed by the resume, and kept to a bounded number', () => {
    let h = haltOpened(undefined, at(10));
    expect(h).toEqual([[at(10), null]]);
    // Already halted (paused, then stopped): still the one halt.
    expect(haltOpened(h, at(20))).toEqual(h);
    h = haltClosed(h, at(30))!;
    expect(h).toEqual([[at(10), at(30)]]);
    expect(haltClosed(h, at(40))).toBeUndefined();
    for (let i = 0; i < 3 * MAX_HALTS; i++) h = haltClosed(haltOpened(h, at(100 + 2 * i)), at(101 + 2 * i))!;
    expect(h.length).toBeLessThanOrEqual(MAX_HALTS);
    // The oldest merge: the first halt's start and the latest one's end are kept.
    expect(h[0][0]).toBe(at(10));
    expect(h.at(-1)![1]).toBe(at(101 + 2 * (3 * MAX_HALTS - 1)));
  });

  it("come out of the run's working time and of a record's time, with the waits for a person", () => {
    const halts: Array<[string, string | null]> = [[at(20), at(50)], [at(200), null]];
    // A run from 0 to 100 halted 20–50: 70 s worked.
    expect(runWorkingMs(at(0), at(100), [{ index: 0, endedAt: at(100) }], new Map(), halts)).toBe(70_000);
    // A record under way 10–60 stood still 30 s of it; one from 60 to 90 none.
    expect(haltedWithin(halts, at(10), at(60))).toBe(30_000);
    expect(haltedWithin(halts, at(60), at(90))).toBe(0);
    // Failed at 90 (the first pass ends there), retried at 1000, done at 1010; halted 20–50 and 1002–1004.
    const trails = new Map([[0, [{ at: at(90), actor: 'engine', to: 'failed' }, { at: at(1000), actor: 'operator', to: 'running' }, { at: at(1010), actor: 'engine', to: 'success' }]]]);
    const both: Array<[string, string | null]> = [[at(20), at(50)], [at(1002), at(1004)]];
    expect(runWorkingMs(at(0), at(1010), [{ index: 0, endedAt: at(1010) }], trails, both)).toBe((90 - 30 + 10 - 2) * 1000);
  });
});
