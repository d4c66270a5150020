import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../../server/main.ts';
import { hashPassword } from '../../../server/auth/password.ts';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import { MASK } from '../../../server/engine/secret-masker.ts';
import { logFormatFrom } from '../../../server/logging/logger.ts';
import { outcomeFlow } from './fixtures.ts';

/**
 * A studio with JSON logs, as `serve --log-format json` starts it: its REST for alert settings,
 * /metrics parsed as Prometheus does, and its log lines read back as JSON — with a flow that logs
 * what an echo server answered with the credential's secret.
 */
const SECRET = 'sk-monitor-5f2b9c0e71d4a8';
const logged: string[] = [];
let server: RunningServer;
let echo: Server;
let echoPort: number;

async function api<T = any>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T; text: string }> {
  const res = await fetch(server.url + url, {
    method,
    headers: { ...(method === 'GET' ? {} : { origin: server.url }), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* text */
  }
  return { status: res.status, body: parsed as T, text };
}

beforeAll(async () => {
  echo = createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ auth: req.headers.authorization ?? null })));
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  echoPort = (echo.address() as AddressInfo).port;
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-monitor-api-'));
  const out = new PassThrough();
  out.on('data', (chunk: Buffer) => logged.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  server = await startServer({ port: 0, dataDir, clientDir: path.join(dataDir, 'no-client'), log: true, logFormat: 'json', logDestination: out });
});

afterAll(async () => {
  await server?.close();
  echo?.closeAllConnections();
  await new Promise<void>((resolve) => echo.close(() => resolve()));
});

function echoFlow(): FlowDocument {
  return {
    format: FLOW_FORMAT,
    id: 'echo-flow',
    name: 'Echo',
    description: '',
    settings: { concurrency: 1, allowHosts: ['127.0.0.1'] },
    nodes: [
      { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: '[{"n": 1}, {"n": 2}]' } },
      { id: 'call', type: 'core.http-request', position: { x: 200, y: 0 }, params: { method: 'GET', url: `http://127.0.0.1:${echoPort}/echo`, credential: 'Echo key' } },
      { id: 'say', type: 'core.log', position: { x: 400, y: 0 }, params: { level: 'warn', message: 'The echo says {{ response.body.auth }}' } },
    ],
    edges: [
      { id: 'e1', source: 'trigger', sourcePort: 'out', target: 'call', targetPort: 'in' },
      { id: 'e2', source: 'call', sourcePort: 'out', target: 'say', targetPort: 'in' },
    ],
  };
}

describe('the studio with monitoring', () => {
  it('writes JSON log lines with level, time, msg and the run context, the secret masked', async () => {
    expect((await api('POST', '/api/credentials', { name: 'Echo key', kind: 'api_key', fields: { header: 'Authorization', prefix: 'Bearer ' }, secrets: { key: SECRET }, scope: { nodeTypes: ['core.http-request'] } })).status).toBe(201);
    expect((await api('POST', '/api/flows/import', echoFlow())).status).toBeLessThan(300);
    const started = await api('POST', '/api/runs', { flowId: 'echo-flow' });
    expect(started.status).toBe(201);
    await server.conveyor.engine.waitForRun(started.body.id);

    const lines = logged.map((l) => JSON.parse(l));
    for (const line of lines) {
      expect(typeof line.msg).toBe('string');
      expect(['debug', 'info', 'warn', 'error']).toContain(line.level);
      expect(Number.isNaN(Date.parse(line.time))).toBe(false);
    }
    expect(lines[0]).toMatchObject({ level: 'info', msg: expect.stringContaining('Conveyor studio at'), url: server.url });
    const said = lines.filter((l) => l.msg.startsWith('The echo says'));
    expect(said).toHaveLength(2);
    expect(said[0]).toMatchObject({ level: 'warn', runId: started.body.id, flowId: 'echo-flow', nodeId: 'say', record: 0, msg: `The echo says Bearer ${MASK}` });
    expect(lines.some((l) => l.runId === started.body.id && /^Run completed/.test(l.msg))).toBe(true);
    expect(logged.join('\n')).not.toContain(SECRET);
  });

  it('routes what other parts write to the console into JSON lines too', () => {
    const before = logged.length;
    console.warn('[store] a warning from %s', 'elsewhere');
    expect(JSON.parse(logged[before])).toMatchObject({ level: 'warn', msg: '[store] a warning from elsewhere' });
  });

  it('serves /metrics in Prometheus text format: runs and records by status, step durations by node type, queue depth', async () => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const samples = new Map<string, number>();
    const types = new Map<string, string>();
    for (const line of text.trimEnd().split('\n')) {
      const type = /^# TYPE (\w+) (gauge|counter|histogram)$/.exec(line);
      if (type) types.set(type[1], type[2]);
      if (line.startsWith('#')) continue;
      // name{labels} value — every sample line parses, every value is a number.
      const m = /^([a-z_]+)(\{(?:[a-z_]+="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+]+|\+Inf)$/.exec(line);
      expect(m, line).not.toBeNull();
      samples.set(`${m![1]}${m![2] ?? ''}`, Number(m![3]));
    }
    expect(samples.get('conveyor_up')).toBe(1);
    expect(samples.get('conveyor_runs{status="completed"}')).toBe(1);
    expect(samples.get('conveyor_runs{status="running"}')).toBe(0);
    expect(samples.get('conveyor_records_finished_total{status="success"}')).toBe(2);
    expect(samples.get('conveyor_queue_records{state="waiting"}')).toBe(0);
    expect(samples.get('conveyor_queue_records{state="in_flight"}')).toBe(0);
    expect(types.get('conveyor_step_duration_seconds')).toBe('histogram');
    const http = 'node_type="core.http-request",status="success"';
    expect(samples.get(`conveyor_step_duration_seconds_count{${http}}`)).toBe(2);
    expect(samples.get(`conveyor_step_duration_seconds_bucket{${http},le="+Inf"}`)).toBe(2);
    expect(samples.get(`conveyor_step_duration_seconds_sum{${http}}`)).toBeGreaterThan(0);
    // Buckets never decrease.
    const buckets = [...samples].filter(([k]) => k.startsWith(`conveyor_step_duration_seconds_bucket{${http}`)).map(([, v]) => v);
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    expect(text).not.toContain(SECRET);
  });

  it('refuses /metrics with a wrong bearer token, takes the right one', async () => {
    process.env.CONVEYOR_METRICS_TOKEN = 'scrape-token-9931';
    try {
      const wrong = await api('GET', '/metrics', undefined, { authorization: 'Bearer nope' });
      expect(wrong.status).toBe(401);
      expect(wrong.body.error.code).toBe('E_METRICS_UNAUTHORIZED');
      expect(wrong.text).not.toContain('conveyor_up');
      const right = await api('GET', '/metrics', undefined, { authorization: 'Bearer scrape-token-9931' });
      expect(right.status).toBe(200);
      expect(right.text).toContain('conveyor_up 1');
    } finally {
      delete process.env.CONVEYOR_METRICS_TOKEN;
    }
  });

  it('edits a flow\'s alert rules over REST: bad input refused and nothing changed, a credential that cannot send refused', async () => {
    expect((await api('POST', '/api/flows/import', outcomeFlow('alerted', []))).status).toBeLessThan(300);
    expect((await api('GET', '/api/flows/alerted/alerts')).body).toEqual({ settings: { enabled: true, rules: [], mail: null, webhook: null }, firing: [], deliveries: [] });
    const good = { enabled: true, rules: [{ id: 'rate', kind: 'failure_rate', threshold: 0.25, windowRecords: 50 }], mail: null, webhook: { url: 'https://hooks.example/alert' } };
    const saved = await api('PUT', '/api/flows/alerted/alerts', good);
    expect(saved.status).toBe(200);
    expect(saved.body.settings.rules[0]).toEqual({ id: 'rate', kind: 'failure_rate', threshold: 0.25, windowRecords: 50, minRecords: 5 });

    const bad = await api('PUT', '/api/flows/alerted/alerts', { ...good, rules: [{ id: 'rate', kind: 'failure_rate', threshold: 2, windowMinutes: 5, windowRecords: 5 }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('E_BODY_INVALID');
    expect(bad.body.error.message).toMatch(/threshold/);
    const nowhere = await api('PUT', '/api/flows/alerted/alerts', { ...good, webhook: null });
    expect(nowhere.status).toBe(400);
    expect(nowhere.body.error.message).toMatch(/set mail or webhook/);
    // The Echo key is an API key, not a mail account.
    const notMail = await api('PUT', '/api/flows/alerted/alerts', { ...good, mail: { credential: 'Echo key', to: ['ops@team.example'] } });
    expect(notMail.status).toBe(422);
    expect(notMail.body.error.code).toBe('E_ALERT_CREDENTIAL');
    // A webhook signed with a credential that is not a webhook signing secret, or one that does not exist.
    const notSigning = await api('PUT', '/api/flows/alerted/alerts', { ...good, webhook: { url: 'https://hooks.example/alert', secret: 'Echo key' } });
    expect([notSigning.status, notSigning.body.error.code]).toEqual([422, 'E_ALERT_CREDENTIAL']);
    expect(notSigning.body.error.message).toContain('not a webhook signing secret');
    expect((await api('PUT', '/api/flows/alerted/alerts', { ...good, webhook: { url: 'https://hooks.example/alert', secret: 'nobody' } })).status).toBe(422);
    expect((await api('GET', '/api/flows/alerted/alerts')).body.settings).toEqual(saved.body.settings);
    expect((await api('POST', '/api/credentials', { name: 'Alert signing', kind: 'webhook_secret', fields: {}, secrets: { secret: 'alert-signing-0123456789' }, scope: { nodeTypes: ['webhook.trigger'] } })).status).toBe(201);
    const signed = await api('PUT', '/api/flows/alerted/alerts', { ...good, webhook: { url: 'https://hooks.example/alert', secret: 'Alert signing' } });
    expect([signed.status, signed.body.settings.webhook]).toEqual([200, { url: 'https://hooks.example/alert', secret: 'Alert signing' }]);
    expect(JSON.stringify(signed.body)).not.toContain('alert-signing-0123456789');

    expect((await api('GET', '/api/flows/nope/alerts')).status).toBe(404);
    const summaries = await api('PUT', '/api/monitoring/summaries', { summaries: [{ id: 'd', time: '25:00', timeZone: 'Mars/Olympus', recipients: ['x'], credential: 'Echo key' }] });
    expect(summaries.status).toBe(400);
    expect(summaries.body.error.message).toMatch(/time of day.*IANA time zone.*email/s);
  });

  it('knows the log format asked for, and refuses an unknown one', () => {
    expect(logFormatFrom([], {})).toBe('text');
    expect(logFormatFrom([], { LOG_FORMAT: 'json' })).toBe('json');
    expect(logFormatFrom(['--log-format', 'text'], { LOG_FORMAT: 'json' })).toBe('text');
    expect(logFormatFrom(['--log-format=json'], {})).toBe('json');
    expect(() => logFormatFrom(['--log-format', 'xml'], {})).toThrow(expect.objectContaining({ code: 'E_LOG_FORMAT_INVALID' }));
  });
});

describe('/metrics with login on', () => {
  it('needs a session or the token', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-metrics-auth-'));
    const locked = await startServer({ port: 0, dataDir, clientDir: path.join(dataDir, 'no-client'), auth: { passwordHash: await hashPassword('correct horse battery', { N: 1024, r: 8, p: 1 }) } });
    process.env.CONVEYOR_METRICS_TOKEN = 'scrape-token-1177';
    try {
      const none = await fetch(`${locked.url}/metrics`);
      expect(none.status).toBe(401);
      expect((await none.json()).error.code).toBe('E_METRICS_UNAUTHORIZED');
      const token = await fetch(`${locked.url}/metrics`, { headers: { authorization: 'Bearer scrape-token-1177' } });
      expect(token.status).toBe(200);
      expect(await token.text()).toContain('conveyor_up 1');
    } finally {
      delete process.env.CONVEYOR_METRICS_TOKEN;
      await locked.close();
    }
  });
});
