import type { Reporter, TestCase, TestModule } from 'vitest/node';

/** Tests written to be skipped (`it.skip`, `it.todo`) are skipped; any other test that did not pass in a failed file is a failure. */
function meantToRun(test: TestCase): boolean {
  return test.options.mode !== 'skip' && test.options.mode !== 'todo';
}

/**
 * Prints one plain closing line, `N passed, N failed`, that any CI can read.
 * A file that fails outside its tests (a `beforeAll` that throws because a service is missing, an
 * import error, an `afterAll` that throws) must not read as "0 failed": vitest marks the tests it
 * never ran as skipped, so here every test of a failed file that was meant to run and did not pass
 * counts as failed, and a failed file with no such test counts as one failure.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const failedFiles: string[] = [];
    for (const mod of modules) {
      const moduleFailed = mod.state() === 'failed';
      let failedHere = 0;
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed' || (moduleFailed && meantToRun(test))) failedHere++;
        else skipped++;
      }
      if (moduleFailed) {
        failedFiles.push(mod.moduleId);
        if (failedHere === 0) failedHere = 1;
      }
      failed += failedHere;
    }
    if (failed > 0) process.exitCode = 1;
    const files = failedFiles.length ? `\nfailed files: ${failedFiles.join(', ')}` : '';
    process.stdout.write(`${files}\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
