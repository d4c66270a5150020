import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../index.ts';
import { Engine } from '../../server/engine/engine.ts';
import { openSqlJsStore } from '../../server/store/sqljs-store.ts';
import type { Store } from '../../server/store/types.ts';
import { openVault, type Vault } from '../../server/vault/vault.ts';
import { FLOW_FORMAT, type FlowDocument } from '../../server/contract/flow/schema.ts';
import { startSmtpRelay, type SmtpRelay } from '../../demo/smtp-relay.ts';

// The mail servers of these tests listen on 127.0.0.1, which the network policy keeps steps from
// reaching unless allowed: allowed here as an administrator would (CONVEYOR_ALLOW_HOSTS).
process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';

/**
 * One send step, several sender accounts: each record names its account (as Distribute writes it),
 * the engine resolves it from the real vault and checks its scope, and the mail goes out through a
 * real SMTP server (the demo relay) signed in as that account.
 */
const ACCOUNTS = [
  { name: 'sender-a', user: 'a@outreach.test', password: 'pw-sender-a-123' },
  { name: 'sender-b', user: 'b@outreach.test', password: 'pw-sender-b-456' },
  // Also an SMTP account on the relay, but its scope does not allow the send step.
  { name: 'outsider', user: 'x@outreach.test', password: 'pw-outsider-789' },
];

let relay: SmtpRelay;
let store: Store;
let vault: Vault;
let engine: Engine;

beforeAll(async () => {
  relay = await startSmtpRelay({ accounts: ACCOUNTS.map(({ user, password }) => ({ user, password })), deliver: async () => undefined });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-senders-'));
  const registry = createRegistry();
  vault = await openVault(dir, { nodeTypes: () => registry.types(), env: {} });
  for (const a of ACCOUNTS) {
    await vault.create({
      name: a.name,
      kind: 'smtp',
      fields: { host: relay.host, port: relay.port, secure: false, user: a.user },
      secrets: { password: a.password },
      scope: { nodeTypes: [a.name === 'outsider' ? 'mail.wait-for-code' : 'mail.send'] },
    });
  }
  store = await openSqlJsStore(path.join(dir, 'store'));
  engine = new Engine({ store, registry, dataDir: dir, credentials: vault });
}, 30_000);

afterAll(async () => {
  await engine?.shutdown();
  await store?.close();
  await relay?.stop();
});

const SEND = { senderField: 'account', to: '{{ email }}', subject: 'Hello {{ name }}', text: 'Hi {{ name }}' };

function flow(nodes: Array<[string, string, Record<string, unknown>]>, edges: Array<[string, string, string]>): FlowDocument {
  return {
    format: FLOW_FORMAT,
    id: 'senders',
    name: 'Senders',
    description: '',
    settings: { concurrency: 1 },
    nodes: [['trigger', 'core.manual-trigger', { format: 'json', records: '[{}]' }] as [string, string, Record<string, unknown>], ...nodes].map(([id, type, params], i) => ({ id, type, position: { x: i * 200, y: 0 }, params })),
    edges: edges.map(([source, target, port], i) => ({ id: `e${i}`, source, sourcePort: port, target, targetPort: 'in' })),
  } as FlowDocument;
}

async function run(doc: FlowDocument, records: Array<Record<string, string>>) {
  const before = relay.received.length;
  const started = await engine.startRun(doc, { input: { records } });
  await engine.waitForRun(started.id);
  const rows = (await store.listRecords(started.id)).items;
  const logs = (await store.listLogs(started.id, { limit: 1000 })).items;
  const steps = (await Promise.all(rows.map((r) => store.listSteps(started.id, r.index)))).flat();
  return { rows, sent: relay.received.slice(before), stored: JSON.stringify({ rows, logs, steps }) };
}

describe('mail.send with the sender chosen per record', () => {
  it('Distribute shares the records between two accounts; each mail is sent signed in as its record\'s account', async () => {
    const doc = flow(
      [
        ['dist', 'flow.distribute', { strategy: 'round_robin', scope: 'run', targets: [{ id: 'a', account: 'sender-a' }, { id: 'b', account: 'sender-b' }] }],
        ['send', 'mail.send', SEND],
      ],
      [['trigger', 'dist', 'out'], ['dist', 'send', 'a'], ['dist', 'send', 'b']],
    );
    const records = ['ann', 'bob', 'cat', 'dan'].map((name) => ({ name, email: `${name}@example.test` }));
    const { rows, sent, stored } = await run(doc, records);
    expect(rows.map((r) => r.status)).toEqual(['success', 'success', 'success', 'success']);
    expect(sent.map((m) => [m.to[0], m.user])).toEqual([
      ['ann@example.test', 'a@outreach.test'],
      ['bob@example.test', 'b@outreach.test'],
      ['cat@example.test', 'a@outreach.test'],
      ['dan@example.test', 'b@outreach.test'],
    ]);
    // The sender's address defaults to its account's user.
    expect(sent[1].from).toBe('b@outreach.test');
    for (const a of ACCOUNTS) expect(stored).not.toContain(a.password);
  });

  it('a record naming an account outside the step\'s scope, an unknown one, or none fails with a code and sends nothing', async () => {
    const doc = flow([['send', 'mail.send', SEND]], [['trigger', 'send', 'out']]);
    const { rows, sent, stored } = await run(doc, [
      { name: 'eve', email: 'eve@example.test', account: 'sender-a' },
      { name: 'fay', email: 'fay@example.test', account: 'outsider' },
      { name: 'gus', email: 'gus@example.test', account: 'nobody' },
      { name: 'hal', email: 'hal@example.test' },
    ]);
    expect(rows.map((r) => [r.status, r.error?.code ?? null])).toEqual([
      ['success', null],
      ['failed', 'E_CREDENTIAL_SCOPE'],
      ['failed', 'E_CREDENTIAL_NOT_FOUND'],
      ['failed', 'E_MAIL_SENDER_MISSING'],
    ]);
    expect(rows[1].error!.message).toMatch(/may not use the credential "outsider"/);
    expect(sent.map((m) => m.to[0])).toEqual(['eve@example.test']);
    expect(sent.some((m) => m.user === 'x@outreach.test')).toBe(false);
    for (const a of ACCOUNTS) expect(stored).not.toContain(a.password);
  });

  it('"Allowed senders" limits what a record may choose, even among accounts the scope allows', async () => {
    const doc = flow([['send', 'mail.send', { ...SEND, allowedSenders: ['sender-a'] }]], [['trigger', 'send', 'out']]);
    const { rows, sent } = await run(doc, [
      { name: 'ida', email: 'ida@example.test', account: 'sender-b' },
      { name: 'jon', email: 'jon@example.test', account: 'sender-a' },
    ]);
    expect(rows.map((r) => r.error?.code ?? r.status)).toEqual(['E_MAIL_SENDER_NOT_ALLOWED', 'success']);
    expect(sent.map((m) => [m.to[0], m.user])).toEqual([['jon@example.test', 'a@outreach.test']]);
  });
});
