import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The unit files that take longest, longest first (seconds: a full run at load 15–20, when they
 * take about twice a quiet machine's time). Two unit files run at a time; a file of 100–200 s that
 * starts among the last keeps the lane open alone while the other worker idles. Vitest orders by
 * the durations in its cache, but CI starts without one and falls back to file size, which says
 * little about run time. A file that comes to take over ~20 s belongs here.
 */
const SLOW_FIRST = [
  'tests/unit/crash/distribute-crash.test.ts', // 217
  'tests/unit/crash/server-crash.test.ts', // 199
  'tests/unit/engine/distribute-fairness.test.ts', // 189
  'tests/unit/crash/terms-crash.test.ts', // 141
  'tests/unit/scale/workers-kill.test.ts', // 133
  'tests/unit/cli/runs.test.ts', // 126
  'tests/unit/cli/check.test.ts', // 120
  'tests/unit/server/hostile-sheets.test.ts', // 114
  'tests/unit/store/pg-studio-resume.test.ts', // 108
  'nodes/spreadsheet/hostile-sheets.test.ts', // 102
  'tests/unit/report/build-report.test.ts', // 92
  'tests/unit/cli/startup-imports.test.ts', // 72
  'tests/unit/cli/compiled-build.test.ts', // 58
  'tests/unit/security/data-at-rest.test.ts', // 44
  'tests/unit/engine/fanout.test.ts', // 41
  'tests/unit/crash/browser-crash.test.ts', // 41
  'nodes/browser/site-messages.test.ts', // 39
  'tests/unit/scale/studios-shared.test.ts', // 33
  'nodes/browser/lib/context-pool.test.ts', // 32
];

function rank(spec: TestSpecification): number {
  const id = spec.moduleId.replaceAll('\\', '/');
  const i = SLOW_FIRST.findIndex((f) => id.endsWith(`/${f}`));
  return i < 0 ? SLOW_FIRST.length : i;
}

/** Vitest's own order (projects in turn), with the slow files of each project moved to its front. */
export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const projectOrder = new Map<string, number>();
    for (const f of sorted) if (!projectOrder.has(f.project.name)) projectOrder.set(f.project.name, projectOrder.size);
    return sorted
      .map((spec, at) => ({ spec, at }))
      .sort((a, b) => projectOrder.get(a.spec.project.name)! - projectOrder.get(b.spec.project.name)! || rank(a.spec) - rank(b.spec) || a.at - b.at)
      .map(({ spec }) => spec);
  }
}
