import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { openConveyor, type Conveyor } from '../../../server/conveyor.ts';
import { FLOW_FORMAT, type FlowDocument } from '../../../server/contract/flow/schema.ts';
import { Monitoring } from '../../../server/monitoring/monitoring.ts';
import type { MonitorLog } from '../../../server/monitoring/monitor-log.ts';
import { startSmtpRelay, type SmtpRelay } from '../../support/mail/smtp.ts';

export const SMTP_LOGIN = { user: 'alerts@ops.example', password: 'smtp-alert-pw-7731' };

/** A local HTTP receiver for alert webhooks: keeps every JSON body; answers `status`. */
export interface Receiver {
  url: string;
  port: number;
  bodies: any[];
  status: number;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const r = { bodies: [] as any[], status: 200 } as Receiver;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      r.bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(r.status, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.port = (server.address() as AddressInfo).port;
  r.url = `http://127.0.0.1:${r.port}/hooks/alerts?token=hook-token-5521`;
  r.close = () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve())));
  return r;
}

export function startSmtp(): Promise<SmtpRelay> {
  return startSmtpRelay({ ...SMTP_LOGIN, deliver: async () => undefined });
}

/** Lines monitoring wrote, with their context. */
export function captureLog(): MonitorLog & { lines: Array<{ level: string; msg: string; context?: Record<string, unknown> }> } {
  const lines: Array<{ level: string; msg: string; context?: Record<string, unknown> }> = [];
  const at = (level: string) => (msg: string, context?: Record<string, unknown>) => void lines.push({ level, msg, context });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

export interface World {
  conveyor: Conveyor;
  monitoring: Monitoring;
  log: ReturnType<typeof captureLog>;
  clock: { now: number };
  close(): Promise<void>;
}

/** A Conveyor on a fresh data dir with a monitoring object on the test's clock (and its own log). */
export async function openWorld(opts: { schedules?: boolean; dataDir?: string; env?: NodeJS.ProcessEnv } = {}): Promise<World> {
  const dir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'conveyor-monitor-'));
  const conveyor = await openConveyor(dir, { schedules: opts.schedules ?? false });
  const clock = { now: Date.now() };
  const log = captureLog();
  const monitoring = new Monitoring({ store: conveyor.store, engine: conveyor.engine, scheduler: conveyor.scheduler, vault: conveyor.vault, log, now: () => clock.now, env: opts.env ?? {} });
  return {
    conveyor,
    monitoring,
    log,
    clock,
    async close() {
      monitoring.close();
      await conveyor.close();
    },
  };
}

export async function addSmtpCredential(c: Conveyor, smtp: SmtpRelay, name = 'alert-mail', nodeTypes = ['mail.send']): Promise<void> {
  await c.vault.create({ name, kind: 'smtp', fields: { host: smtp.host, port: smtp.port, secure: false, user: SMTP_LOGIN.user }, secrets: { password: SMTP_LOGIN.password }, scope: { nodeTypes } });
}

/** trigger (records) → if ok → end success / a step that fails with E_NETWORK_BLOCKED; allows the local receivers. */
export function outcomeFlow(id: string, allowHosts: string[]): FlowDocument {
  return {
    format: FLOW_FORMAT,
    id,
    name: `Outcomes ${id}`,
    description: '',
    settings: { concurrency: 2, allowHosts },
    nodes: [
      { id: 'trigger', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: { format: 'json', records: '[]' } },
      { id: 'check', type: 'core.if', position: { x: 200, y: 0 }, params: { condition: 'ok' } },
      { id: 'good', type: 'core.end', position: { x: 400, y: -80 }, params: { status: 'success' } },
      // Cloud metadata: refused by the network policy before any connection (E_NETWORK_BLOCKED), so the record fails with a code.
      { id: 'bad', type: 'core.http-request', position: { x: 400, y: 80 }, params: { method: 'GET', url: 'http://169.254.169.254/latest' } },
    ],
    edges: [
      { id: 'e1', source: 'trigger', sourcePort: 'out', target: 'check', targetPort: 'in' },
      { id: 'e2', source: 'check', sourcePort: 'true', target: 'good', targetPort: 'in' },
      { id: 'e3', source: 'check', sourcePort: 'false', target: 'bad', targetPort: 'in' },
    ],
  };
}

/** Runs the flow over records with `ok` true or false, to the end. */
export async function runOutcomes(c: Conveyor, doc: FlowDocument, oks: boolean[]): Promise<string> {
  const run = await c.engine.startRun(doc, { input: { records: oks.map((ok, i) => ({ i, ok })) } });
  await c.engine.waitForRun(run.id);
  return run.id;
}

/** A mail's Subject header, unfolded and with its encoded words (RFC 2047, as nodemailer writes them) decoded. */
export function subjectOf(raw: string): string {
  const header = /^Subject: (.*(?:\r?\n[ \t].*)*)/m.exec(raw)?.[1] ?? '';
  return header
    .replace(/\?=\r?\n[ \t]+=\?/g, '?==?')
    .replace(/\r?\n[ \t]+/g, ' ')
    .replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_, enc: string, text: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'),
    );
}

/** A plain-text mail's body, with quoted-printable undone. */
export function bodyOf(raw: string): string {
  const body = raw.slice(raw.search(/\r?\n\r?\n/)).trim();
  if (!/Content-Transfer-Encoding: quoted-printable/i.test(raw)) return body;
  return Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
}
