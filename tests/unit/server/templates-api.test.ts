import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../../nodes/index.ts';
import { loadTemplates } from '../../../server/templates/templates.ts';
import { startTestServer } from './support.ts';

let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

const shipped = readdirSync('flows').filter((f) => f.endsWith('.json'));

describe('GET /api/templates', () => {
  it('lists every shipped flow with its name, description, trigger and what it needs', async () => {
    const res = await server.api('GET', '/api/templates');
    expect(res.status).toBe(200);
    const ids = res.body.map((t: { id: string }) => t.id);
    expect(ids.sort()).toEqual(shipped.map((f) => f.replace(/\.json$/, '')).sort());
    for (const t of res.body) {
      const file = JSON.parse(readFileSync(path.join('flows', `${t.id}.json`), 'utf8'));
      expect(t.name).toBe(file.name);
      expect(t.description).toBe(file.description);
      expect(t.nodeCount).toBe(file.nodes.length);
      expect(t.trigger.title).not.toBe('');
      expect(t.flow).toBeUndefined(); // the list is light: the flow comes with "use"
    }
    const signup = res.body.find((t: { id: string }) => t.id === 'signup-with-email-code');
    expect(signup.needs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'file' }),
        expect.objectContaining({ kind: 'credential', name: 'demo-mailbox', credentialKind: 'imap', present: false, nodeTypes: ['mail.mark-mailbox', 'mail.wait-for-code'] }),
        expect.objectContaining({ kind: 'demo', hosts: ['127.0.0.1:3100', '127.0.0.1:1143'] }),
      ]),
    );
    const outreach = res.body.find((t: { id: string }) => t.id === 'search-terms-outreach');
    expect(outreach.needs.filter((n: { kind: string }) => n.kind === 'credential').map((n: { name: string }) => n.name)).toEqual(['demo-sender-1', 'demo-sender-2', 'demo-sender-3']);
    const scheduled = res.body.find((t: { id: string }) => t.id === 'scheduled-check');
    expect(scheduled.needs.map((n: { kind: string }) => n.kind)).toEqual(['schedule']);
    const hello = res.body.find((t: { id: string }) => t.id === 'hello-records');
    expect(hello.needs.map((n: { kind: string }) => n.kind)).toEqual(['records']);
    // The lead pipeline's model server is part of the demo, not another local address to allow.
    const leads = res.body.find((t: { id: string }) => t.id === 'lead-pipeline');
    expect(leads.needs.find((n: { kind: string }) => n.kind === 'demo').hosts).toEqual(['127.0.0.1:3100', '127.0.0.1:3200', '127.0.0.1:2525']);
    expect(leads.needs.map((n: { kind: string }) => n.kind)).not.toContain('hosts');
    // A webhook flow is started by the service calling its hook, not by records typed in the run dialog.
    const payments = res.body.find((t: { id: string }) => t.id === 'payment-webhook');
    expect(payments.needs[0].text).toContain('hook address');
  });

  it('says when a needed credential exists in the vault', async () => {
    const created = await server.api('POST', '/api/credentials', {
      name: 'demo-mailbox',
      kind: 'imap',
      fields: { host: '127.0.0.1', port: 1143, secure: false, user: 'catch-all@demo.test' },
      secrets: { password: 'demo-pw-1' },
      scope: { nodeTypes: ['mail.mark-mailbox', 'mail.wait-for-code'] },
    });
    expect(created.status).toBe(201);
    const res = await server.api('GET', '/api/templates');
    const signup = res.body.find((t: { id: string }) => t.id === 'signup-with-email-code');
    expect(signup.needs.find((n: { kind: string }) => n.kind === 'credential').present).toBe(true);
    await server.api('DELETE', `/api/credentials/${created.body.id}`);
  });
});

describe('POST /api/templates/:id/use', () => {
  it('imports a copy of the template as a new flow, every time under its own id', async () => {
    const first = await server.api('POST', '/api/templates/hello-records/use');
    expect(first.status).toBe(201);
    const file = JSON.parse(readFileSync('flows/hello-records.json', 'utf8'));
    expect(first.body.name).toBe(file.name);
    expect(first.body.flow.nodes.map((n: { id: string }) => n.id)).toEqual(file.nodes.map((n: { id: string }) => n.id));
    const second = await server.api('POST', '/api/templates/hello-records/use');
    expect(second.status).toBe(201);
    expect(second.body.id).not.toBe(first.body.id);
    expect(second.body.name).toBe(`${file.name} (copy)`);
    const list = await server.api('GET', '/api/flows');
    expect(list.body.map((f: { id: string }) => f.id)).toEqual(expect.arrayContaining([first.body.id, second.body.id]));
  });

  it('answers E_TEMPLATE_NOT_FOUND for a name that is not a template', async () => {
    const res = await server.api('POST', '/api/templates/nope/use');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('E_TEMPLATE_NOT_FOUND');
    expect((await server.api('POST', '/api/templates/..%2Fpackage/use')).status).toBe(404);
  });
});

describe('loading templates', () => {
  it('leaves out a file that is not a valid flow, with a line saying why', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-templates-'));
    writeFileSync(path.join(dir, 'good.json'), readFileSync('flows/hello-records.json'));
    writeFileSync(path.join(dir, 'broken.json'), '{ not json');
    writeFileSync(path.join(dir, 'invalid.json'), JSON.stringify({ format: 'conveyor.flow/v1', id: 'x', name: 'X', nodes: [{ id: 'a', type: 'acme.nope', position: { x: 0, y: 0 }, params: {} }], edges: [] }));
    const lines: string[] = [];
    const templates = loadTemplates(dir, createRegistry(), (l) => lines.push(l));
    expect(templates.map((t) => t.id)).toEqual(['good']);
    expect(lines.join('\n')).toMatch(/broken\.json left out: not JSON/);
    expect(lines.join('\n')).toMatch(/invalid\.json left out: .*acme\.nope/);
  });
});
