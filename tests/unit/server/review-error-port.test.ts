import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import { startTestServer } from './support.ts';
import { until } from '../../support/until.ts';

// The test sites listen on 127.0.0.1: allowed explicitly for steps, as an administrator would (CONVEYOR_ALLOW_HOSTS).
process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';

/**
 * The signup case over REST with the shipped node types: a site whose "create account" call is
 * counted per email, and whose verification refuses some codes. The verification's error port
 * leads to a "Needs review" end.
 */
let s: Awaited<ReturnType<typeof startTestServer>>;
let site: http.Server;
let siteUrl = '';
const calls = new Map<string, number>();
const refused = new Set<string>();

beforeAll(async () => {
  site = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://site');
    const email = url.searchParams.get('email') ?? '';
    const key = `${url.pathname}:${email}`;
    calls.set(key, (calls.get(key) ?? 0) + 1);
    if (url.pathname === '/verify' && refused.has(email)) {
      res.writeHead(422, { 'content-type': 'text/plain' }).end('That token is not valid');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  s = await startTestServer();
});
afterAll(async () => {
  await s?.close();
  await new Promise((resolve) => site?.close(resolve));
});

function signupFlow(records: Array<{ email: string }>): FlowDocument {
  const call = (path: string) => ({ method: 'POST', url: `${siteUrl}${path}?email={{ $encodeUrlComponent(email) }}`, bodyFormat: 'none' });
  return {
    format: FLOW_FORMAT,
    id: 'flow_error_port_review',
    name: 'Signup with verification',
    description: '',
    settings: { concurrency: 2 },
    nodes: [
      { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: JSON.stringify(records) } },
      { id: 'create', type: 'core.http-request', name: 'Create my account', position: { x: 200, y: 0 }, params: call('/signup') },
      {
        id: 'verify',
        type: 'core.http-request',
        name: 'Verify the code',
        position: { x: 400, y: 0 },
        params: call('/verify'),
        policy: { errorMap: [{ match: 'E_HTTP_STATUS', code: 'E_VERIFY_FAILED', class: 'business', action: 'fail' }] },
      },
      { id: 'ok', type: 'core.end', position: { x: 600, y: -80 }, params: { status: 'success' } },
      { id: 'review', type: 'core.end', position: { x: 600, y: 80 }, params: { status: 'needs_review', reason: 'The site refused the code' } },
    ],
    edges: [
      { id: 'e1', source: 'trigger', sourcePort: 'out', target: 'create', targetPort: 'in' },
      { id: 'e2', source: 'create', sourcePort: 'out', target: 'verify', targetPort: 'in' },
      { id: 'e3', source: 'verify', sourcePort: 'out', target: 'ok', targetPort: 'in' },
      { id: 'e4', source: 'verify', sourcePort: 'error', target: 'review', targetPort: 'in' },
    ],
  };
}

describe('REST: a failure routed by an error port to review', () => {
  it('shows in the review queue (hint, code filter) and the report, and Retry resumes at that step without creating the account again', async () => {
    const people = Array.from({ length: 6 }, (_, i) => ({ email: `p${i}@x.test` }));
    refused.add('p1@x.test').add('p4@x.test');
    const flow = (await s.api('POST', '/api/flows/import', signupFlow(people))).body;
    const run = (await s.api('POST', '/api/runs', { flowId: flow.id })).body;
    await until('run completed', () => s.api('GET', `/api/runs/${run.id}`), (r) => r.body.status === 'completed', { ms: 10_000 });

    const queue = await s.api('GET', `/api/review?runId=${run.id}&code=E_VERIFY_FAILED`);
    expect(queue.body.total).toBe(2);
    expect(queue.body.items.map((i: { index: number }) => i.index)).toEqual([1, 4]);
    expect(queue.body.items[0]).toMatchObject({
      status: 'needs_review',
      reason: 'The site refused the code',
      error: { code: 'E_VERIFY_FAILED', nodeId: 'verify', message: expect.stringContaining('That token is not valid'), hint: expect.any(String) },
    });
    expect(queue.body.items[0].error.hint.length).toBeGreaterThan(0);

    const report = await s.api('GET', `/api/runs/${run.id}/report`);
    expect(report.body.errors).toEqual([{ code: 'E_VERIFY_FAILED', count: 2, example: expect.stringContaining('That token is not valid') }]);
    expect(report.body.perStep.find((p: { nodeId: string }) => p.nodeId === 'verify')).toMatchObject({ failed: 2, success: 4 });

    refused.clear();
    const retried = await s.api('POST', '/api/review/actions', { action: 'retry', items: [{ runId: run.id, index: 1 }, { runId: run.id, index: 4 }] });
    expect(retried.body.results.map((r: { ok: boolean }) => r.ok)).toEqual([true, true]);
    // Put back at the step that failed, not run from the start.
    expect(retried.body.results.map((r: { restarted: boolean }) => r.restarted)).toEqual([false, false]);
    const after = await until('six successes in the report', () => s.api('GET', `/api/runs/${run.id}/report`), (r) => r.body.counts.success === 6, { ms: 10_000 });
    expect(after.body.errors).toEqual([]);
    expect((await s.api('GET', `/api/review?runId=${run.id}`)).body.total).toBe(0);
    for (const p of people) expect(calls.get(`/signup:${p.email}`)).toBe(1);
    expect(calls.get('/verify:p1@x.test')).toBe(2);
    expect(calls.get('/verify:p0@x.test')).toBe(1);
  });
});

/** The signup, but the site's answer is checked by an If whose "no" leads to a "Needs review" End: no step fails. */
function checkedSignupFlow(id: string, records: Array<{ email: string }>, createType = 'core.http-request'): FlowDocument {
  return {
    format: FLOW_FORMAT,
    id,
    name: 'Signup, checked',
    description: '',
    settings: { concurrency: 1 },
    nodes: [
      { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: JSON.stringify(records) } },
      createType === 'core.http-request'
        ? { id: 'create', type: 'core.http-request', name: 'Create my account', position: { x: 200, y: 0 }, params: { method: 'POST', url: `${siteUrl}/signup?email={{ $encodeUrlComponent(email) }}`, bodyFormat: 'none' } }
        : { id: 'create', type: 'core.set-fields', name: 'Note it', position: { x: 200, y: 0 }, params: { fields: [{ name: 'noted', value: 'true' }], keepOtherFields: true } },
      { id: 'check', type: 'core.if', name: 'Looks right?', position: { x: 400, y: 0 }, params: { condition: "$contains(email, 'ok')" } },
      { id: 'ok', type: 'core.end', position: { x: 600, y: -80 }, params: { status: 'success' } },
      { id: 'review', type: 'core.end', position: { x: 600, y: 80 }, params: { status: 'needs_review', reason: 'Check this address by hand' } },
    ],
    edges: [
      { id: 'e1', source: 'trigger', sourcePort: 'out', target: 'create', targetPort: 'in' },
      { id: 'e2', source: 'create', sourcePort: 'out', target: 'check', targetPort: 'in' },
      { id: 'e3', source: 'check', sourcePort: 'true', target: 'ok', targetPort: 'in' },
      { id: 'e4', source: 'check', sourcePort: 'false', target: 'review', targetPort: 'in' },
    ],
  };
}

describe('REST: retrying a record an End step sent to review', () => {
  it('is refused while it would run again a step that changes things outside Conveyor, naming it; with restart it runs from the start', async () => {
    const flow = (await s.api('POST', '/api/flows/import', checkedSignupFlow('flow_end_review', [{ email: 'ok@x.test' }, { email: 'hand@x.test' }]))).body;
    const run = (await s.api('POST', '/api/runs', { flowId: flow.id })).body;
    await until('run completed', () => s.api('GET', `/api/runs/${run.id}`), (r) => r.body.status === 'completed', { ms: 10_000 });
    expect((await s.api('GET', `/api/review?runId=${run.id}`)).body.items.map((i: { index: number }) => i.index)).toEqual([1]);
    expect(calls.get('/signup:hand@x.test')).toBe(1);

    const refused = await s.api('POST', '/api/review/actions', { action: 'retry', items: [{ runId: run.id, index: 1 }] });
    expect(refused.body.results).toEqual([
      {
        runId: run.id,
        index: 1,
        ok: false,
        error: {
          code: 'E_REVIEW_RETRY_REPEATS',
          message: expect.stringMatching(/^Record #2 did not fail at a step .* runs it again from the start — and it already ran "Create my account", which changes things outside Conveyor and would run again\.$/),
          hint: expect.stringContaining('Run again from the start'),
        },
      },
    ]);
    // Nothing changed: still in the queue, nothing sent again.
    expect((await s.api('GET', `/api/runs/${run.id}/records/1`)).body.record.status).toBe('needs_review');
    expect(calls.get('/signup:hand@x.test')).toBe(1);

    const again = await s.api('POST', '/api/review/actions', { action: 'retry', items: [{ runId: run.id, index: 1 }], restart: true });
    expect(again.body.results).toEqual([{ runId: run.id, index: 1, ok: true, restarted: true }]);
    await until('record #2 in review after its retry', () => s.api('GET', `/api/runs/${run.id}/records/1`), (r) => r.body.record.status === 'needs_review' && calls.get('/signup:hand@x.test') === 2, { ms: 10_000 });
    // The operator's choice is in the record's audit trail.
    const events = (await s.api('GET', `/api/runs/${run.id}/records/1`)).body.events as Array<{ action: string; actor: string }>;
    expect(events.filter((e) => e.action === 'retry' && e.actor === 'operator')).toHaveLength(1);
  });

  it('runs from the start without asking when none of its steps changes things outside Conveyor', async () => {
    const flow = (await s.api('POST', '/api/flows/import', checkedSignupFlow('flow_end_review_safe', [{ email: 'hand2@x.test' }], 'core.set-fields'))).body;
    const run = (await s.api('POST', '/api/runs', { flowId: flow.id })).body;
    await until('run completed', () => s.api('GET', `/api/runs/${run.id}`), (r) => r.body.status === 'completed', { ms: 10_000 });
    const retried = await s.api('POST', '/api/review/actions', { action: 'retry', items: [{ runId: run.id, index: 0 }] });
    expect(retried.body.results).toEqual([{ runId: run.id, index: 0, ok: true, restarted: true }]);
  });
});
