import type { z } from 'zod';
import type { NodeDefinition, RecordData } from '../sdk/types.ts';
import { networkPolicy } from '../sdk/network.ts';
import { testPagesAndRecords } from './test-records.ts';
import { browserOpen } from './open.ts';

/**
 * Test helper for the page-pattern files (page-patterns*.test.ts, two files so that two workers share
 * them): the pattern pages (pattern-pages.ts) served for the calling file, with real Chromium. The
 * pages are on 127.0.0.1; "another site" is the same server called localhost.
 */
export function patternPages() {
  const pages = testPagesAndRecords(networkPolicy(['127.0.0.1', 'localhost']));

  /** A record's steps: each gives back what it emits and logs. */
  function stepsOf(r: ReturnType<typeof pages.record>) {
    return {
      async step<S extends z.ZodType>(def: NodeDefinition<S>, params: unknown, data: RecordData = {}) {
        const { result, ctx } = await r.step(def, params, data);
        return { data: result.emit[0].data, logs: ctx.logs.map((l) => l.message) };
      },
    };
  }

  /** One record: opens the pattern page `name`, runs `test` with the record's steps, then closes the record. */
  async function onPage(name: string, test: (r: ReturnType<typeof stepsOf>) => Promise<void>): Promise<void> {
    const r = pages.record();
    try {
      await r.step(browserOpen, { url: `${pages.url}/p/${name}` });
      await test(stepsOf(r));
    } finally {
      await r.done();
    }
  }

  return { pages, stepsOf, onPage };
}
