import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import type { z } from 'zod';
import { Resources } from '../sdk/resources.ts';
import { runNode, type TestContext } from '../sdk/testing.ts';
import type { NodeContext, NodeDefinition, RecordData } from '../sdk/types.ts';
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
    /** A record's steps; `services` adds to each step's context (`files`, `credentials`…). */
    record(input: RecordData = {}, services: Partial<Omit<NodeContext<unknown>, 'params'>> = {}) {
      const scope = new Resources();
      const resources = { run: runScope, record: scope };
      const extra = { ...services, resources, ...(network ? { network } : {}) };
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

/**
 * A file's own pages, served on 127.0.0.1 for the whole file: `/name` answers PAGES[name] (in a
 * document of its own unless it starts with `<!doctype`), anything else 404. `base` is the address.
 */
export function servedPages(pages: Record<string, string>): { readonly base: string } {
  let server: http.Server | undefined;
  let base = '';
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const body = pages[(req.url ?? '/').slice(1)] ?? (req.url === '/' ? pages[''] : undefined);
      res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(body === undefined ? 'Not found' : /^<!doctype/i.test(body) ? body : `<!doctype html><html><body>${body}</body></html>`);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  });
  return {
    get base() {
      return base;
    },
  };
}

