import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The unit files that take longest, longest first (seconds in the full run of 2026-12-05 on a quiet
 * machine, load 4–7, import time not counted). Two unit files run at a time; a file of 20–50 s that
 * starts among the last keeps the lane open alone while the other worker idles. Vitest orders by
 * the durations in its cache, but CI starts without one and falls back to file size, which says
 * little about run time. A file that comes to take over ~15 s belongs here.
 */
const SLOW_FIRST = [
  // tests/unit/engine/fanout.test.ts was first (35): 6 s since its split sizes were halved (2026-12-06).
  'tests/unit/scale/studios-shared.test.ts', // 33 (31 alone, 2026-12-06)
  // One file of ~30 s once (119 in a full run of 2026-12-06 at load 4–7; its failing cases wait out
  // their time limits, ~25 s of them): split in two, ~65 and ~55 at that load, so two workers share it.
  'nodes/browser/page-patterns.test.ts', // ~16 (the ~30 scaled by each half's share)
  'nodes/browser/page-patterns-actions.test.ts', // ~14
  'tests/unit/security/flow-import-fuzz.test.ts', // 27
  'tests/unit/engine/distribute-fairness.test.ts', // ~26 (46 at 10,000 records per strategy; CPU 48 → 27 s at 2,000 / random 10,000)
  'tests/unit/crash/browser-crash.test.ts', // 25
  'tests/unit/crash/server-crash.test.ts', // 24
  'nodes/spreadsheet/hostile-sheets.test.ts', // 23
  'tests/unit/store/pg-copy.test.ts', // 21
  'tests/unit/server/hostile-sheets.test.ts', // 21
  'tests/unit/scale/workers-kill.test.ts', // 20
  'tests/unit/flows/signup-fresh-code.test.ts', // 20
  'tests/unit/crash/distribute-crash.test.ts', // 20
  'nodes/browser/steps.test.ts', // 19
  'tests/unit/store/crash.test.ts', // 18
  'nodes/mail/wait-for-code.test.ts', // 17
  'nodes/browser/site-messages.test.ts', // 16
  'tests/unit/security/auth.test.ts', // 15
  'nodes/browser/page-challenge.test.ts', // 15 (2026-12-06, full run at load 2–4)
  'tests/unit/server/credential-test.test.ts', // 14
  'nodes/mail/late-mail.test.ts', // 14
  'tests/unit/cli/check.test.ts', // 13
];

function rank(spec: TestSpecification): number {
  const id = spec.moduleId.replaceAll('\\', '/');
  const i = SLOW_FIRST.findIndex((f) => id.endsWith(`/${f}`));
  return i < 0 ? SLOW_FIRST.length : i;
}

/**
 * 'unit-shared' runs in the same lanes as 'unit' (tests/support/shared-process-files.ts), after it:
 * its short files, each a fraction of a second once the worker has their modules, fill both lanes
 * to the end instead of one long file keeping one lane open alone.
 */
const LAST = new Set(['unit-shared']);

/** Vitest's own order (projects in turn, 'unit-shared' after the others), with the slow files of each project moved to its front. */
export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const projectOrder = new Map<string, number>();
    for (const f of sorted) if (!projectOrder.has(f.project.name)) projectOrder.set(f.project.name, projectOrder.size);
    const order = (spec: TestSpecification) => projectOrder.get(spec.project.name)! + (LAST.has(spec.project.name) ? projectOrder.size : 0);
    return sorted
      .map((spec, at) => ({ spec, at }))
      .sort((a, b) => order(a.spec) - order(b.spec) || rank(a.spec) - rank(b.spec) || a.at - b.at)
      .map(({ spec }) => spec);
  }
}
