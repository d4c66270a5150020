import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, scoringFlow } from './support.ts';

let s: Awaited<ReturnType<typeof startTestServer>>;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(async () => s && (await s.close()));

const people = (n: number) => Array.from({ length: n }, (_, i) => ({ n: i + 1, email: `p${i + 1}@example.com` }));

async function waitForStatus(id: string, statuses: string[], ms = 10_000) {
  const until = Date.now() + ms;
  for (;;) {
    const { body } = await s.api('GET', `/api/runs/${id}`);
    if (statuses.includes(body.status)) return body;
    if (Date.now() > until) throw new Error(`run ${id} stayed ${body.status}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('REST: health and catalog', () => {
  it('answers health and serves every node type with its parameter JSON Schema', async () => {
    expect((await s.api('GET', '/api/health')).body).toMatchObject({ ok: true, store: 'sqljs' });
    const { body } = await s.api('GET', '/api/node-types');
    const types = body.map((t: { type: string }) => t.type);
    expect(types).toEqual(expect.arrayContaining(['core.manual-trigger', 'core.set-fields', 'core.if', 'core.switch', 'core.split', 'core.collect', 'core.delay', 'core.http-request', 'core.log', 'core.end']));
    const set = body.find((t: { type: string }) => t.type === 'core.set-fields');
    expect(set.paramsSchema.type).toBe('object');
    expect(set.paramsSchema.properties.fields).toBeDefined();
    expect(set).toMatchObject({ category: 'Data', inputs: [{ id: 'in' }], errorPort: { id: 'error' } });
    const sw = body.find((t: { type: string }) => t.type === 'core.switch');
    expect(sw.dynamicOutputs).toMatchObject({ param: 'rules', idField: 'port' });
  });

  it('answers unknown routes and bad bodies with a coded error and no stack trace', async () => {
    const r1 = await s.api('GET', '/api/nothing-here');
    expect(r1.status).toBe(404);
    expect(r1.body.error).toMatchObject({ code: 'E_API_NOT_FOUND', message: 'There is no API route GET /api/nothing-here.' });
    // An address that exists, asked with a method it does not take: 405 naming the ones it takes.
    for (const [method, route, allow] of [['PUT', '/api/flows', 'GET, HEAD, POST'], ['GET', '/api/runs/run-x/pause', 'POST'], ['PATCH', '/api/health/', 'GET, HEAD']] as const) {
      const res = await fetch(`${s.url}${route}`, { method, headers: { origin: s.url, 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}' });
      expect([route, res.status, res.headers.get('allow')]).toEqual([route, 405, allow]);
      expect((await res.json()).error).toMatchObject({ code: 'E_API_METHOD', message: `The API route ${route} does not take ${method}; it takes ${allow}.` });
    }
    const r2 = await s.api('POST', '/api/flows', '{"name": ');
    expect(r2.status).toBe(400);
    expect(r2.body.error).toMatchObject({ code: 'E_BODY_INVALID' });
    expect(JSON.stringify(r2.body)).not.toMatch(/at .*\.ts:\d+/);
    const r3 = await s.api('POST', '/api/flows/import', JSON.stringify({ big: 'x'.repeat(21 * 1024 * 1024) }));
    expect(r3.status).toBe(413);
    expect(r3.body.error.code).toBe('E_BODY_TOO_LARGE');
  });

  it('refuses a body sent as another content type (415) and JSON that is no object (400) — each saying so, changing nothing', async () => {
    const before = (await s.api('GET', '/api/flows')).body.length;
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', undefined]) {
      const res = await fetch(`${s.url}/api/flows`, { method: 'POST', headers: { origin: s.url, ...(type ? { 'content-type': type } : {}) }, body: new Blob(['{"name":"Sent as text"}']) });
      const body = await res.json();
      expect([type, res.status, body.error.code]).toEqual([type, 415, 'E_BODY_INVALID']);
      expect(body.error.message).toMatch(/reads JSON only/);
      expect(body.error.hint).toMatch(/Content-Type: application\/json/);
    }
    for (const json of ['null', ' "hunter2"', '7', 'true']) {
      const res = await s.api('POST', '/api/flows', json);
      expect([json, res.status, res.body.error.code, res.body.error.message]).toEqual([json, 400, 'E_BODY_INVALID', 'The request body must be a JSON object ({ … }).']);
      expect(JSON.stringify(res.body)).not.toContain('hunter2');
    }
    expect((await s.api('GET', '/api/flows')).body.length).toBe(before);
    // No body at all is still no body: an action without one goes through.
    expect((await s.api('POST', '/api/runs/run_nope/stop')).body.error.code).toBe('E_RUN_NOT_FOUND');
  });

  it('says whether a field is missing, of the wrong kind, or a query key given twice — never the value', async () => {
    const problem = (r: { body: { error: { problems: Array<{ path: string; message: string }> } } }, path: string) => r.body.error.problems.find((p) => p.path === path)?.message;
    const body = await s.api('POST', '/api/runs', { flowId: 5, settings: { concurrency: 'four-secret' } });
    expect(body.status).toBe(400);
    expect(problem(body, '$.flowId')).toBe('"flowId" must be text, not a number; fix its value.');
    expect(problem(body, '$.settings.concurrency')).toBe('"concurrency" must be a number, not text; fix its value.');
    expect(JSON.stringify(body.body)).not.toContain('four-secret');
    expect(problem(await s.api('POST', '/api/runs', {}), '$.flowId')).toBe('"flowId" is missing: add it (text expected).');
    expect(problem(await s.api('POST', '/api/runs', []), '$')).toBe('The request body must be an object, not a list; fix its value.');
    expect(problem(await s.api('POST', '/api/runs', { flowId: 'f', input: { records: [{ n: 1 }, 7] } }), '$.input.records[1]')).toBe('"records[1]" must be an object, not a number; fix its value.');
    expect(problem(await s.api('POST', '/api/review/actions', { action: 'retry', items: [{ runId: 'r', index: '0' }] }), '$.items[0].index')).toBe('"index" must be a number, not text; fix its value.');
    expect(problem(await s.api('POST', '/api/review/actions', { action: 'retry', items: [{ runId: 'r', index: 1.5 }] }), '$.items[0].index')).toBe('"index" must be a whole number, not a number with decimals; fix its value.');
    expect(problem(await s.api('POST', '/api/runs', '{"flowId":"f","settings":{"concurrency":1e999}}'), '$.settings.concurrency')).toBe('"concurrency" must be a number, not a number too large to use; fix its value.');
    expect(problem(await s.api('POST', '/api/review/actions', '{"action":"skip","items":[{"runId":"r","index":100000000000000000000}]}'), '$.items[0].index')).toBe('"index" must be a number, not a number too large to use; fix its value.');
    expect(problem(await s.api('DELETE', '/api/runs/run_nope?archive=yes'), '$.archive')).toBe('"archive" must be one of "0", "1", "true", "false".');

    const twice = await s.api('GET', '/api/runs?limit=1&limit=2');
    expect(twice.status).toBe(400);
    expect(twice.body.error).toMatchObject({ code: 'E_QUERY_INVALID', problems: [{ path: '$.limit', message: '"limit" is given 2 times: give it once.' }] });
    expect(problem(await s.api('GET', '/api/runs?limit=ten'), '$.limit')).toBe('"limit" must be a number, not text; fix its value.');
    // A key the route does not read is refused, not passed over (a list without offset answered its first page to every page).
    for (const url of ['/api/runs?offset=100', '/api/review?flowid=flow_x', '/api/suppressions?q=ops']) {
      const unknown = await s.api('GET', url);
      expect([url, unknown.status, unknown.body.error.code]).toEqual([url, 400, 'E_QUERY_INVALID']);
      expect(unknown.body.error.problems[0].message).toMatch(/^Unknown field "\w+": remove it or check the spelling\.$/);
    }
    const flowsBefore = (await s.api('GET', '/api/flows')).body.length;
    const importTwice = await s.api('POST', '/api/flows/import?onConflict=copy&onConflict=replace', scoringFlow('flow_query'));
    expect([importTwice.status, problem(importTwice, '$.onConflict')]).toEqual([400, '"onConflict" is given 2 times: give it once.']);
    expect(problem(await s.api('POST', '/api/flows/import?onConflict=explode', scoringFlow('flow_query')), '$.onConflict')).toBe('"onConflict" must be one of "copy", "replace".');
    expect((await s.api('GET', '/api/flows')).body.length).toBe(flowsBefore);

    // A flow's own checks say it the same way.
    const flow = scoringFlow('flow_kinds');
    const v = await s.api('POST', '/api/flows/validate', { ...flow, name: 7 });
    expect(v.body.problems).toContainEqual({ path: '$.name', message: '"name" must be a text; fix its value.' });
  });
});

describe('REST: flows', () => {
  it('creates, lists, renames, saves, exports, imports and deletes flows', async () => {
    const created = await s.api('POST', '/api/flows', { name: 'First flow' });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect(created.body.flow.nodes[0].type).toBe('core.manual-trigger');

    const doc = { ...scoringFlow(id), name: 'First flow' };
    const saved = await s.api('PUT', `/api/flows/${id}`, doc);
    expect(saved.status).toBe(200);
    expect(saved.body.flow.nodes).toHaveLength(5);

    expect((await s.api('PATCH', `/api/flows/${id}`, { name: 'Renamed' })).body.name).toBe('Renamed');
    const list = await s.api('GET', '/api/flows');
    expect(list.body.find((f: { id: string }) => f.id === id)).toMatchObject({ name: 'Renamed', nodeCount: 5 });

    const exported = await s.api('GET', `/api/flows/${id}/export`);
    expect(exported.headers.get('content-disposition')).toMatch(/attachment; filename="renamed.json"/);
    const text = JSON.stringify(exported.body, null, 2) + '\n';
    const raw = await (await fetch(`${s.url}/api/flows/${id}/export`)).text();
    expect(raw).toBe(text);

    const imported = await s.api('POST', '/api/flows/import', exported.body);
    expect(imported.status).toBe(201);
    expect(imported.body.id).not.toBe(id);
    expect(imported.body.name).toBe('Renamed (copy)');
    const reexported = await (await fetch(`${s.url}/api/flows/${imported.body.id}/export`)).text();
    expect(reexported).toBe(raw.replace(`"id": "${id}"`, `"id": "${imported.body.id}"`).replace('"name": "Renamed"', '"name": "Renamed (copy)"'));

    const replaced = await s.api('POST', '/api/flows/import?onConflict=replace', { ...exported.body, name: 'Replaced' });
    expect(replaced.body).toMatchObject({ id, name: 'Replaced' });

    expect((await s.api('DELETE', `/api/flows/${imported.body.id}`)).status).toBe(204);
    expect((await s.api('GET', `/api/flows/${imported.body.id}`)).body.error.code).toBe('E_FLOW_NOT_FOUND');
  });

  it('two imports of one flow id at once keep both: the second becomes a copy, as when sent after the first', async () => {
    const first = { ...scoringFlow('flow_twin'), name: 'First' };
    const second = { ...scoringFlow('flow_twin'), name: 'Second' };
    const [a, b] = await Promise.all([s.api('POST', '/api/flows/import', first), s.api('POST', '/api/flows/import', second)]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(new Set([a.body.id, b.body.id]).size).toBe(2);
    const names = await Promise.all([a.body.id, b.body.id].map(async (id: string) => (await s.api('GET', `/api/flows/${id}`)).body.name));
    expect(names.sort()).toEqual(expect.arrayContaining([expect.stringMatching(/^First/), expect.stringMatching(/^Second/)]));
  });

  it('refuses an invalid flow with every problem and stores nothing', async () => {
    const before = (await s.api('GET', '/api/flows')).body.length;
    const bad = scoringFlow('flow_bad');
    bad.nodes[1].params = { fields: [{ name: 'x', value: 1 }] };
    bad.edges.push({ id: 'e9', source: 'check', sourcePort: 'maybe', target: 'ok', targetPort: 'in' });
    const r = await s.api('POST', '/api/flows/import', bad);
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('E_FLOW_INVALID');
    const paths = r.body.error.problems.map((p: { path: string }) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['$.nodes[1].params.fields[0].value', '$.edges[4].sourcePort']));
    expect((await s.api('GET', '/api/flows')).body.length).toBe(before);

    const created = (await s.api('POST', '/api/flows', { name: 'Keep me' })).body;
    const put = await s.api('PUT', `/api/flows/${created.id}`, { ...bad, id: created.id });
    expect(put.status).toBe(422);
    expect((await s.api('GET', `/api/flows/${created.id}`)).body.flow.nodes).toHaveLength(1);
    const v = await s.api('POST', '/api/flows/validate', bad);
    expect(v.body.ok).toBe(false);
  });

  it('a new flow or a rename with fields besides the name is refused (400 naming them), not created or renamed without them', async () => {
    const before = (await s.api('GET', '/api/flows')).body.length;
    const created = await s.api('POST', '/api/flows', { name: 'With steps', nodes: [], description: 'lost' });
    expect(created.status).toBe(400);
    expect(created.body.error).toMatchObject({ code: 'E_BODY_INVALID', problems: [{ path: '$', message: 'Unknown fields "nodes", "description": remove them or check the spelling.' }] });
    expect((await s.api('GET', '/api/flows')).body.length).toBe(before);
    const flow = (await s.api('POST', '/api/flows', { name: 'Plain' })).body;
    const renamed = await s.api('PATCH', `/api/flows/${flow.id}`, { name: 'New name', description: 'lost' });
    expect([renamed.status, renamed.body.error.code]).toEqual([400, 'E_BODY_INVALID']);
    expect((await s.api('GET', `/api/flows/${flow.id}`)).body.name).toBe('Plain');
    // A name of the wrong kind is still the name's own error.
    expect((await s.api('PATCH', `/api/flows/${flow.id}`, { name: 5 })).body.error.code).toBe('E_FLOW_NAME_INVALID');
    // Too long is said with its length; spaces around a name do not count against it (the studio trims).
    const long = await s.api('PATCH', `/api/flows/${flow.id}`, { name: 'n'.repeat(201) });
    expect([long.status, long.body.error.code, long.body.error.message]).toEqual([422, 'E_FLOW_NAME_INVALID', 'A flow name must be 1 to 200 characters: this one has 201 characters.']);
    expect((await s.api('PATCH', `/api/flows/${flow.id}`, { name: `  ${'n'.repeat(200)}  ` })).body.name).toBe('n'.repeat(200));
    expect((await s.api('POST', '/api/flows', { name: `  ${'m'.repeat(200)} ` })).status).toBe(201);
  });

  it('a flow or step name with a line break, a tab or a control character is refused saying which and where, nothing changed', async () => {
    const before = (await s.api('GET', '/api/flows')).body.length;
    const created = await s.api('POST', '/api/flows', { name: 'Two\nlines' });
    expect([created.status, created.body.error.code, created.body.error.message]).toEqual([
      422,
      'E_FLOW_NAME_INVALID',
      'This flow name holds a line break (U+000A at character 4): a name is one line of visible text.',
    ]);
    expect((await s.api('GET', '/api/flows')).body.length).toBe(before);
    const flow = (await s.api('POST', '/api/flows', { name: 'One line' })).body;
    const renamed = await s.api('PATCH', `/api/flows/${flow.id}`, { name: 'Tab\there' });
    expect([renamed.status, renamed.body.error.message]).toEqual([422, 'This flow name holds a tab (U+0009 at character 4): a name is one line of visible text.']);
    const nul = await s.api('PATCH', `/api/flows/${flow.id}`, { name: 'Nul\u0000' });
    expect(nul.body.error.message).toMatch(/a control character \(U\+0000/);
    expect((await s.api('GET', `/api/flows/${flow.id}`)).body.name).toBe('One line');
    // The same rule on a whole flow saved or imported: the flow's and a step's name.
    const saved = await s.api('PUT', `/api/flows/${flow.id}`, { ...scoringFlow(flow.id), name: 'Line\u2028separator' });
    expect([saved.status, JSON.stringify(saved.body.error)]).toEqual([422, expect.stringContaining('holds a line break (U+2028')]);
    const imported = await s.api('POST', '/api/flows/import', { ...scoringFlow('flow_ctrl'), nodes: scoringFlow('flow_ctrl').nodes.map((n: { id: string }, i: number) => (i === 0 ? { ...n, name: 'Start\r' } : n)) });
    expect([imported.status, JSON.stringify(imported.body.error)]).toEqual([422, expect.stringContaining('holds a line break (U+000D')]);
    expect((await s.api('GET', '/api/flows/flow_ctrl')).status).toBe(404);
  });
});

describe('REST: runs', () => {
  it('starts a run, reports exact counts, records with their steps, and the run log', async () => {
    const flow = (await s.api('POST', '/api/flows/import', scoringFlow('flow_runs'))).body;
    const started = await s.api('POST', '/api/runs', { flowId: flow.id, input: { records: people(20) } });
    expect(started.status).toBe(201);
    const done = await waitForStatus(started.body.id, ['completed']);
    expect(done.counts).toEqual({ pending: 0, running: 0, success: 15, failed: 0, needs_review: 5, skipped: 0 });
    expect(done.nodes.score).toEqual({ inProgress: 0, success: 20, failed: 0, review: 0 });
    expect(done.nodes.ok.success).toBe(15);
    expect(done.flow.id).toBe(flow.id);

    const recs = await s.api('GET', `/api/runs/${started.body.id}/records?status=needs_review`);
    expect(recs.body.total).toBe(5);
    expect(recs.body.items.map((r: { index: number }) => r.index)).toEqual([0, 1, 2, 3, 4]);
    const detail = await s.api('GET', `/api/runs/${started.body.id}/records/7`);
    expect(detail.body.record).toMatchObject({ index: 7, status: 'success', output: { n: 8, score: 16 } });
    expect(detail.body.steps.map((st: { nodeId: string }) => st.nodeId)).toEqual(['trigger', 'score', 'check', 'ok']);

    const logs = await s.api('GET', `/api/runs/${started.body.id}/logs?limit=1000`);
    expect(logs.body.items.some((l: { message: string }) => /Run completed: 15 success/.test(l.message))).toBe(true);
    const list = await s.api('GET', `/api/runs?flowId=${flow.id}`);
    expect(list.body[0].id).toBe(started.body.id);
  });

  it('reads a record number as written: a blank, a hex or signed number is no record, and a record the run lacks has no tracking events', async () => {
    const flow = (await s.api('POST', '/api/flows/import', scoringFlow('flow_index'))).body;
    const run = (await s.api('POST', '/api/runs', { flowId: flow.id, input: { records: people(2) } })).body;
    await waitForStatus(run.id, ['completed']);
    expect((await s.api('GET', `/api/runs/${run.id}/records/1`)).body.record.index).toBe(1);
    expect((await s.api('GET', `/api/tracking/runs/${run.id}/records/1`)).body).toEqual({ events: [] });
    for (const index of ['0x0', '%20', '-0', '1e0', '01', '0.0']) {
      const record = await s.api('GET', `/api/runs/${run.id}/records/${index}`);
      expect([index, record.status, record.body.error?.code]).toEqual([index, 404, 'E_RECORD_NOT_FOUND']);
      const tracking = await s.api('GET', `/api/tracking/runs/${run.id}/records/${index}`);
      expect([index, tracking.status, tracking.body.error?.code]).toEqual([index, 400, 'E_QUERY_INVALID']);
    }
    const missing = await s.api('GET', `/api/tracking/runs/${run.id}/records/5`);
    expect([missing.status, missing.body.error?.code]).toEqual([404, 'E_RECORD_NOT_FOUND']);
    // Numbered as the studio numbers records (#1 is index 0), with the index asked for.
    expect((await s.api('GET', `/api/runs/${run.id}/records/5`)).body.error.message).toBe(`Run ${run.id} has no record #6 (index 5).`);
    expect(missing.body.error.message).toBe(`Run ${run.id} has no record #6 (index 5).`);
    expect(missing.body.error.hint).toContain("Open the run's record list");
    expect((await s.api('GET', `/api/runs/${run.id}/records/0x0`)).body.error.message).toBe(`Run ${run.id} has no record "0x0" (a record index is 0, 1, 2…).`);
  });

  it('records sent as JSON keep a whole number too long for a number digit for digit (as text)', async () => {
    const flow = (await s.api('POST', '/api/flows/import', scoringFlow('flow_big_ids'))).body;
    const started = await s.api('POST', '/api/runs', `{"flowId":${JSON.stringify(flow.id)},"input":{"records":[{"n":1,"order":1234567890123456789}]}}`);
    expect(started.status).toBe(201);
    await waitForStatus(started.body.id, ['completed']);
    const record = await s.api('GET', `/api/runs/${started.body.id}/records/0`);
    expect(record.body.record.data).toEqual({ n: 1, order: '1234567890123456789' });
    // Broken JSON is still refused as before.
    expect((await s.api('POST', '/api/runs', '{"flowId": 12345678901234567890,')).body.error.code).toBe('E_BODY_INVALID');
  });

  it('uses the trigger\'s own records when the run has no input, and refuses bad run requests', async () => {
    const flow = (await s.api('POST', '/api/flows/import', scoringFlow('flow_own', JSON.stringify(people(3))))).body;
    const started = await s.api('POST', '/api/runs', { flowId: flow.id });
    const done = await waitForStatus(started.body.id, ['completed']);
    expect(done.recordCount).toBe(3);
    expect((await s.api('POST', '/api/runs', {})).body.error.code).toBe('E_BODY_INVALID');
    expect((await s.api('POST', '/api/runs', { flowId: 'nope' })).body.error.code).toBe('E_FLOW_NOT_FOUND');
    // Records and a text (or a file) at once: refused, not one of them run and the other passed over.
    const runsBefore = (await s.api('GET', `/api/runs?flowId=${flow.id}`)).body.length;
    const input = { records: [{ n: 1 }], text: 'n\n2', format: 'csv' };
    for (const [path, body] of [['/api/runs', { flowId: flow.id, input }], [`/api/flows/${flow.id}/preflight`, { input }]] as const) {
      const both = await s.api('POST', path, body);
      expect([path, both.status, both.body.error?.problems]).toEqual([path, 400, [{ path: '$.input', message: '"input" must hold one of "records", "text" or "fileId", not several.' }]]);
    }
    expect((await s.api('GET', `/api/runs?flowId=${flow.id}`)).body.length).toBe(runsBefore);
    const badCsv = await s.api('POST', '/api/runs', { flowId: flow.id, input: { text: '[{"n": 1}', format: 'json' } });
    expect(badCsv.status).toBe(422);
    expect(badCsv.body.error.code).toBe('E_INPUT_INVALID');
    const finished = await s.api('POST', `/api/runs/${started.body.id}/pause`);
    expect(finished.status).toBe(409);
    expect(finished.body.error).toMatchObject({ code: 'E_RUN_NOT_RUNNING', message: expect.stringContaining('is completed') });
    // A run that does not exist is not found, for each action — not "not running".
    for (const action of ['pause', 'resume', 'stop']) {
      const missing = await s.api('POST', `/api/runs/run_nope/${action}`);
      expect([action, missing.status, missing.body.error.code]).toEqual([action, 404, 'E_RUN_NOT_FOUND']);
    }
    expect((await s.api('GET', '/api/runs/run_nope/records')).status).toBe(404);
  });

  it('pauses, resumes and stops a run through the API', async () => {
    const doc = scoringFlow('flow_slow');
    doc.nodes.splice(1, 0, { id: 'wait', type: 'core.delay', position: { x: 100, y: 100 }, params: { ms: 30 } });
    doc.edges[0] = { id: 'e1', source: 'trigger', sourcePort: 'out', target: 'wait', targetPort: 'in' };
    doc.edges.push({ id: 'e0', source: 'wait', sourcePort: 'out', target: 'score', targetPort: 'in' });
    const flow = (await s.api('POST', '/api/flows/import', doc)).body;
    const run = (await s.api('POST', '/api/runs', { flowId: flow.id, input: { records: people(30) }, settings: { concurrency: 2 } })).body;
    await new Promise((r) => setTimeout(r, 100));
    // Pressed twice at once: both are answered with the run, neither refuses it as "running".
    const pauses = await Promise.all([s.api('POST', `/api/runs/${run.id}/pause`), s.api('POST', `/api/runs/${run.id}/pause`)]);
    // (Answered as it is: pausing, or paused already once the steps under way ended — never running.)
    expect(pauses.map((p) => [p.status, p.body.error?.code, p.body.status.replace('paused', 'pausing')])).toEqual([[200, undefined, 'pausing'], [200, undefined, 'pausing']]);
    const paused = await waitForStatus(run.id, ['paused']);
    expect(paused.counts.pending).toBeGreaterThan(0);
    expect((await s.api('POST', `/api/runs/${run.id}/resume`)).body.status).toBe('running');
    await new Promise((r) => setTimeout(r, 60));
    const stops = await Promise.all([s.api('POST', `/api/runs/${run.id}/stop`), s.api('POST', `/api/runs/${run.id}/stop`)]);
    expect(stops.map((p) => [p.status, p.body.status.replace('stopped', 'stopping')])).toEqual([[200, 'stopping'], [200, 'stopping']]);
    const stopped = await waitForStatus(run.id, ['stopped']);
    expect(stopped.counts.success + stopped.counts.needs_review).toBeLessThan(30);
    await s.api('POST', `/api/runs/${run.id}/resume`);
    const done = await waitForStatus(run.id, ['completed']);
    expect(done.counts.success + done.counts.needs_review).toBe(30);
    expect(done.nodes.wait.success).toBe(30);
  });

  it('a double Resume launches the run once: every record calls the service once, the second Resume is refused as busy', async () => {
    const calls = new Map<string, number>();
    const service = http.createServer((req, res) => {
      calls.set(req.url ?? '', (calls.get(req.url ?? '') ?? 0) + 1);
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), 40);
    });
    await new Promise<void>((r) => service.listen(0, '127.0.0.1', r));
    try {
      const host = `127.0.0.1:${(service.address() as AddressInfo).port}`;
      const doc = scoringFlow('flow_resume_twice');
      doc.settings = { concurrency: 2, allowHosts: [host] };
      doc.nodes.splice(1, 0, { id: 'call', type: 'core.http-request', position: { x: 100, y: 100 }, params: { method: 'POST', url: `http://${host}/r/{{ n }}` } });
      doc.edges[0] = { id: 'e1', source: 'trigger', sourcePort: 'out', target: 'call', targetPort: 'in' };
      doc.edges.push({ id: 'e0', source: 'call', sourcePort: 'out', target: 'score', targetPort: 'in' });
      const flow = (await s.api('POST', '/api/flows/import', doc)).body;
      const run = (await s.api('POST', '/api/runs', { flowId: flow.id, input: { records: people(10) } })).body;
      await s.api('POST', `/api/runs/${run.id}/pause`);
      expect((await waitForStatus(run.id, ['paused'])).counts.pending).toBeGreaterThan(2);
      const both = await Promise.all([s.api('POST', `/api/runs/${run.id}/resume`), s.api('POST', `/api/runs/${run.id}/resume`)]);
      expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(both.find((r) => r.status === 409)?.body.error.code).toBe('E_RUN_BUSY');
      const done = await waitForStatus(run.id, ['completed']);
      expect(done.counts.success + done.counts.needs_review).toBe(10);
      expect([...calls.values()]).toEqual(Array(10).fill(1));
    } finally {
      service.close();
    }
  });
});

describe('REST: evidence', () => {
  it('serves an evidence file by its reference and refuses anything outside the evidence folder', async () => {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const path = await import('node:path');
    mkdirSync(path.join(s.dataDir, 'evidence', 'run_x'), { recursive: true });
    writeFileSync(path.join(s.dataDir, 'evidence', 'run_x', '0-shot.txt'), 'proof');
    writeFileSync(path.join(s.dataDir, 'secret.txt'), 'nope');
    const ok = await fetch(`${s.url}/api/evidence/run_x/0-shot.txt`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('proof');
    for (const bad of ['run_x/..%2F..%2Fsecret.txt', '..%2Fsecret.txt/x', 'run_x/.hidden', 'run_x/missing.txt']) {
      const r = await s.api('GET', `/api/evidence/${bad}`);
      expect(r.status, bad).toBe(404);
      expect(r.body.error.code).toBe('E_EVIDENCE_NOT_FOUND');
    }
  });
});

describe('REST: audit trail', () => {
  it('lists every record transition and operator action of a run, oldest first', async () => {
    const flow = (await s.api('POST', '/api/flows/import', scoringFlow('flow_audit'))).body;
    const run = (await s.api('POST', '/api/runs', { flowId: flow.id, input: { records: people(6) } })).body;
    await waitForStatus(run.id, ['completed']);
    const review = await s.api('GET', `/api/review?runId=${run.id}`);
    expect(review.body.total).toBe(5);
    await s.api('POST', '/api/review/actions', { action: 'resolve', items: [{ runId: run.id, index: 0 }], note: 'checked by hand' });
    const all = await s.api('GET', `/api/runs/${run.id}/events?limit=1000`);
    // started + finished per record, then the operator's action.
    expect(all.body.total).toBe(13);
    expect(all.body.items.filter((e: { action: string }) => e.action === 'finished')).toHaveLength(6);
    const ops = await s.api('GET', `/api/runs/${run.id}/events?actor=operator`);
    expect(ops.body.items).toEqual([expect.objectContaining({ recordIndex: 0, from: 'needs_review', to: 'success', action: 'resolve', note: 'checked by hand' })]);
    const detail = await s.api('GET', `/api/runs/${run.id}/records/0`);
    expect(detail.body.events.map((e: { action: string }) => e.action)).toEqual(['started', 'finished', 'resolve']);
  });

  it('the same review action sent twice at once is done once: one ok, one E_REVIEW_NOT_OPEN, one event in the record\'s history', async () => {
    const flow = (await s.api('POST', '/api/flows/import', scoringFlow('flow_twice'))).body;
    const run = (await s.api('POST', '/api/runs', { flowId: flow.id, input: { records: people(3) } })).body;
    await waitForStatus(run.id, ['completed']);
    for (const [index, action] of [[0, 'skip'], [1, 'resolve'], [2, 'retry']] as const) {
      const body = { action, items: [{ runId: run.id, index }], note: 'checked', ...(action === 'retry' ? { restart: true } : {}) };
      const both = await Promise.all([s.api('POST', '/api/review/actions', body), s.api('POST', '/api/review/actions', body)]);
      const results = both.map((r) => r.body.results[0]);
      expect([action, results.filter((r) => r.ok).length]).toEqual([action, 1]);
      expect(results.find((r) => !r.ok)?.error.code).toBe('E_REVIEW_NOT_OPEN');
      await waitForStatus(run.id, ['completed']);
      const events = (await s.api('GET', `/api/runs/${run.id}/records/${index}`)).body.events.filter((e: { actor: string }) => e.actor === 'operator');
      expect(events.map((e: { action: string }) => e.action)).toEqual([action]);
    }
  });
});
