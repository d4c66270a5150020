import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeRegistry } from '../../../nodes/registry.ts';
import { coreNodes } from '../../../nodes/core/index.ts';
import { Engine } from '../../../server/engine/engine.ts';
import { buildReport } from '../../../server/report/build-report.ts';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import type { Store } from '../../../server/store/types.ts';
import { flow, testNodes } from './harness.ts';

let store: Store;
let engine: Engine;
afterEach(async () => {
  await engine?.shutdown();
  await store?.close();
});

describe('End with status: a record it ends failed or for review carries an error (SPEC §4)', () => {
  it('E_ENDED_BY_STEP with the step\'s reason (else which step), the step named, in the review queue, its filter by step and the report\'s error categories', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-ended-'));
    store = await openSqlJsStore(path.join(dir, 'store'));
    engine = new Engine({ store, registry: new NodeRegistry([...testNodes, ...coreNodes]), dataDir: dir });
    const doc = flow(
      [
        ['t', 'test.trigger'],
        ['route', 'core.switch', { rules: [{ port: 'big', condition: 'n > 10' }, { port: 'odd', condition: 'n % 2 = 1' }] }],
        ['reject', 'core.end', { status: 'failed', reason: 'Amount {{ n }} is above the limit' }],
        ['look', 'core.end', { status: 'needs_review' }],
        ['done', 'core.end', { status: 'success', reason: 'fine' }],
      ],
      [['t', 'route'], ['route', 'reject', 'big'], ['route', 'look', 'odd'], ['route', 'done', 'default']],
    );
    doc.nodes[3].name = 'Ask a person';
    const run = await engine.startRun(doc, { input: { records: [{ n: 12 }, { n: 3 }, { n: 4 }] } });
    const s = await engine.waitForRun(run.id);
    expect(s.counts).toMatchObject({ failed: 1, needs_review: 1, success: 1 });

    const failed = await store.getRecord(run.id, 0);
    expect(failed?.error).toEqual({
      code: 'E_ENDED_BY_STEP',
      message: 'Amount 12 is above the limit',
      hint: expect.stringContaining('Correct the record and retry it'),
      transient: false,
      nodeId: 'reject',
    });
    const review = await store.getRecord(run.id, 1);
    expect(review?.error).toMatchObject({ code: 'E_ENDED_BY_STEP', message: 'The step “Ask a person” ended the record for review.', nodeId: 'look' });
    expect(review?.error?.hint).toMatch(/review queue/);
    // A record ended as success keeps no error, its reason stays its reason.
    const ok = await store.getRecord(run.id, 2);
    expect(ok?.error).toBeNull();
    expect(ok?.reason).toBe('fine');

    // The review queue filtered by the step that ended it finds it.
    const byStep = await store.listReview({ runId: run.id, nodeId: 'look' });
    expect(byStep.items.map((r) => r.index)).toEqual([1]);
    // The report counts both among its error categories.
    const report = await buildReport(store, run.id);
    expect(report.errors.map((e) => [e.code, e.count])).toEqual([['E_ENDED_BY_STEP', 2]]);
  });
});
