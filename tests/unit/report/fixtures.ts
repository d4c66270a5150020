/** A run with known durations, statuses, errors and rejects, built directly in a store. */
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import type { RecordStatus, RunRow, StepRow, Store } from '../../../server/store/types.ts';
import type { RecordData, RejectInfo } from '../../../nodes/sdk/types.ts';

export const RUN_ID = 'run_report';
export const T0 = Date.UTC(2024, 4, 1, 9, 0, 0);
export const iso = (ms: number) => new Date(T0 + ms).toISOString();

export const reportFlow: FlowDocument = {
  format: FLOW_FORMAT,
  id: 'flow_report',
  name: 'Invoices =check',
  description: '',
  settings: { concurrency: 4 },
  nodes: [
    { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: {} },
    { id: 'clean', type: 'core.set-fields', name: 'Clean data', position: { x: 200, y: 0 }, params: {} },
    { id: 'send', type: 'core.http-request', position: { x: 400, y: 0 }, params: {} },
  ],
  edges: [],
};

/** What each record goes through: [status, duration ms, error, steps [node, status, ms]]. */
export const plan: Array<{
  status: RecordStatus;
  ms?: number;
  error?: { code: string; message: string };
  steps: Array<[string, StepRow['status'] | 'review', number]>;
  data?: RecordData;
}> = [
  { status: 'success', ms: 100, steps: [['clean', 'success', 10], ['send', 'success', 20]] },
  {
    status: 'success',
    ms: 300,
    steps: [['clean', 'success', 30], ['send', 'success', 40]],
    data: { name: '=HYPERLINK("x")', amount: '+1', total: '@SUM(A1)', delta: '-2', n: -2, address: { city: 'Paris', zip: '75001' }, tags: ['a', 'b'], ok: true, none: null },
  },
  { status: 'failed', ms: 200, error: { code: 'E_HTTP', message: 'HTTP 500 from the API' }, steps: [['clean', 'success', 50], ['send', 'failed', 5]] },
  {
    status: 'failed',
    ms: 400,
    error: { code: 'E_HTTP', message: 'HTTP 502 from the API' },
    steps: [['clean', 'success', 70], ['send', 'failed', 6], ['send', 'failed', 7]],
  },
  // Its send step failed and sent it to review (counted as review, not failed).
  { status: 'needs_review', ms: 1000, steps: [['clean', 'success', 90], ['send', 'review', 20]] },
  { status: 'failed', ms: 50, error: { code: 'E_VALID', message: 'Amount is missing' }, steps: [['clean', 'failed', 1]] },
  // 6: settled before execution; 7: never ran.
  { status: 'skipped', steps: [] },
  { status: 'pending', steps: [] },
];

export const rejects: RejectInfo[] = [
  { row: 9, field: 'email', rule: 'email', value: '=cmd|"/C calc"!A0', message: 'email is not an address' },
  { row: 4, field: 'amount', rule: 'number', value: 'abc', message: 'amount is not a number' },
];

/** The sheet row each record was read from (rows 4 and 9 were rejected). */
export const sheetRows = [2, 3, 5, 6, 7, 8, 10, 11];

export const dataOf = (i: number): RecordData => plan[i].data ?? { name: `Person ${i}`, amount: i * 10 };

export async function buildReportRun(store: Store): Promise<RunRow> {
  const run: RunRow = {
    id: RUN_ID,
    flowId: reportFlow.id,
    flowName: reportFlow.name,
    flow: reportFlow,
    status: 'running',
    settings: { concurrency: 4 },
    recordCount: plan.length,
    reason: null,
    createdAt: iso(0),
    startedAt: iso(0),
    endedAt: null,
  };
  await store.createRun(
    run,
    plan.map((_, i) => dataOf(i)),
    { settled: [{ index: 6, status: 'skipped', reason: 'Duplicate of record #1' }], rejects, keys: plan.map((_, i) => `K${i}`), rows: sheetRows },
  );
  for (let i = 0; i < plan.length; i++) {
    const p = plan[i];
    let seq = 0;
    for (const [nodeId, status, ms] of p.steps) {
      seq++;
      const step: StepRow = {
        runId: RUN_ID,
        recordIndex: i,
        seq,
        tokenId: 1,
        nodeId,
        nodeType: reportFlow.nodes.find((n) => n.id === nodeId)!.type,
        attempt: 1,
        status: status === 'review' ? 'failed' : status,
        input: null,
        inputFrom: null,
        output: [],
        error: status !== 'success' ? { code: 'E_STEP', message: 'step failed', hint: '', transient: false } : null,
        evidence: [],
        startedAt: iso(i * 1000),
        endedAt: iso(i * 1000 + ms),
        durationMs: ms,
      };
      await store.commitStep(step, { runId: RUN_ID, index: i, status: 'running', checkpoint: null, ...(seq === 1 ? { startedAt: iso(i * 1000) } : {}), ...(status === 'review' ? { sentToReview: true as const } : {}) });
    }
    if (p.ms !== undefined) {
      await store.updateRecord({
        runId: RUN_ID,
        index: i,
        status: p.status,
        checkpoint: null,
        error: p.error ? { ...p.error, hint: 'Look at it.', transient: false, nodeId: 'send' } : null,
        reason: p.status === 'needs_review' ? 'Score too low' : null,
        startedAt: iso(i * 1000),
        endedAt: iso(i * 1000 + p.ms),
      });
    }
  }
  await store.updateRun(RUN_ID, { status: 'completed', endedAt: iso(12_345) });
  return run;
}
