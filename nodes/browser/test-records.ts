import { afterAll, beforeAll } from 'vitest';
import type { z } from 'zod';
import { Resources } from '../sdk/resources.ts';
import { runNode, type TestContext } from '../sdk/testing.ts';
import type { NodeDefinition, RecordData } from '../sdk/types.ts';
import type { NetworkAccess } from '../sdk/network.ts';
import { startTestSite, type TestSite } from './test-pages.ts';

/**
 * Test helper for a file of browser-step tests: the test pages (test-pages.ts) served for the whole
 * file, one run scope (one browser) for it, and `record(input)` for each test: one record whose
 * steps share a record scope, closed by `done()`. `network`: the policy the steps run under (default:
 * the test default, plus CONVEYOR_ALLOW_HOSTS).
 */
export function testPagesAndRecords(network?: NetworkAccess) {
  let site: TestSite | undefined;
  const runScope = new Resources();
  beforeAll(async () => {
    site = await startTestSite();
  });
  afterAll(async () => {
    await runScope.closeAll();
    await site?.close();
  });
  return {
    runScope,
    get url(): string {
      if (!site) throw new Error('The test pages are served from beforeAll on.');
      return site.url;
    },
    record(input: RecordData = {}) {
      const scope = new Resources();
      const resources = { run: runScope, record: scope };
      const extra = { resources, ...(network ? { network } : {}) };
      return {
        step<S extends z.ZodType>(def: NodeDefinition<S>, params: unknown, data: RecordData = input): Promise<{ result: { emit: { data: RecordData }[] }; ctx: TestContext<z.infer<S>> }> {
          return runNode(def, params, data, extra);
        },
        resources,
        done: () => scope.closeAll(),
      };
    },
  };
}
