// The "Signup with an email code" template (flows/signup-with-email-code.json) end to end: the real
// studio server, Chromium, the demo signup site and a throwaway Dovecot. One case per concurrency;
// prints one JSON line per case: { concurrency, variant, rows, seconds, recordsPerMin }.
// Variants, run one after the other at each concurrency (before, after, before, after…):
//   after    the template as it is (the open step reuses browser windows and skips images, fonts, media)
//   before   the same with both options off: a new window per record, everything downloaded
//   no-wait  the template with its fills' "Wait for the page" at 0: each field checked at once, not
//            watched 500 ms for a rewrite by the page (what a fill cost before that watch)
//
// The site's pages carry what a real signup page loads besides its form — a logo, a hero picture, a
// heading font, each answered BENCH_SIGNUP_LATENCY_MS (60) after it is asked for, as from a content
// network a round trip away (demo/page-weight.ts); BENCH_SIGNUP_LATENCY_MS=none: the bare form pages
// of the demo site (nothing to skip: "before" and "after" then differ only by the window reuse).
//
//   node --import tsx bench/signup-template.ts [rows=500] [concurrencies=1,4,8] [variants=after]
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { startServer } from '../server/main.ts';
import { startDovecot } from '../demo/dovecot.ts';
import { CATCH_ALL, DEMO_PASSWORD, createSignupSite, listenSignupSite } from '../demo/signup-site.ts';

// The test sites listen on 127.0.0.1: allowed explicitly for steps, as an administrator would (CONVEYOR_ALLOW_HOSTS).
process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';

const rows = Number(process.argv[2] ?? 500);
const concurrencies = (process.argv[3] ?? '1,4,8').split(',').map(Number);
const variants = (process.argv[4] ?? 'after').split(',') as Array<'before' | 'after' | 'no-wait'>;

const dir = await mkdtemp(path.join(os.tmpdir(), 'conveyor-signup-bench-'));
const dovecot = await startDovecot({ users: [{ name: CATCH_ALL, password: DEMO_PASSWORD }] });
const latency = process.env.BENCH_SIGNUP_LATENCY_MS ?? '60';
const pageWeight = latency === 'none' ? undefined : { latencyMs: Number(latency) };
const site = createSignupSite({ dovecot, seed: 'signup-bench', pageWeight });
const siteServer = await listenSignupSite(site, 0);
const studio = await startServer({ port: 0, host: '127.0.0.1', dataDir: path.join(dir, 'data'), log: false });

async function call<T>(method: string, route: string, body?: unknown, raw?: Buffer): Promise<T> {
  const res = await fetch(studio.url + route, {
    method,
    headers: raw ? { 'content-type': 'application/octet-stream' } : body !== undefined ? { 'content-type': 'application/json' } : {},
    body: raw ? new Uint8Array(raw) : (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route} → ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

try {
  await call('POST', '/api/credentials', {
    name: 'demo-mailbox',
    kind: 'imap',
    fields: { host: dovecot.host, port: dovecot.port, secure: false, user: CATCH_ALL },
    secrets: { password: DEMO_PASSWORD },
    scope: { nodeTypes: ['mail.mark-mailbox', 'mail.wait-for-code'] },
  });
  const text = (await readFile('flows/signup-with-email-code.json', 'utf8')).replaceAll('http://127.0.0.1:3100', siteServer.url);
  const flows: Record<string, { id: string }> = {};
  for (const variant of variants) {
    const doc = JSON.parse(text) as { id: string; nodes: Array<{ type: string; params: Record<string, unknown> }> };
    doc.id = `${doc.id}-${variant}`;
    if (variant === 'before') for (const n of doc.nodes) if (n.type === 'browser.open') Object.assign(n.params, { reuseWindow: false, skipMedia: false });
    if (variant === 'no-wait') for (const n of doc.nodes) if (n.type === 'browser.fill') Object.assign(n.params, { settleMs: 0 });
    flows[variant] = await call<{ id: string }>('POST', '/api/flows/import', doc);
  }

  let next = 1;
  for (const concurrency of concurrencies) for (const variant of variants) {
    const flow = flows[variant];
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('People');
    ws.addRow(['first_name', 'last_name', 'email']);
    for (let i = 0; i < rows; i++, next++) ws.addRow([`First${next}`, `Last${next}`, `bench${next}@example.com`]);
    const upload = await call<{ id: string }>('POST', `/api/uploads?name=bench-${concurrency}.xlsx`, undefined, Buffer.from(await wb.xlsx.writeBuffer()));
    const t0 = performance.now();
    const run = await call<{ id: string }>('POST', '/api/runs', { flowId: flow.id, input: { fileId: upload.id }, settings: { concurrency } });
    let summary: { status: string; counts: Record<string, number> };
    for (;;) {
      summary = await call('GET', `/api/runs/${run.id}`);
      if (['completed', 'failed', 'stopped'].includes(summary.status)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const seconds = (performance.now() - t0) / 1000;
    // A record may go to review on a very busy machine (a step past its time limit): counted, not fatal.
    const { success = 0, needs_review: review = 0, failed = 0 } = summary.counts;
    if (success + review + failed !== rows) throw new Error(`concurrency ${concurrency}: ${rows} records expected, got ${JSON.stringify(summary.counts)}`);
    // A bench of records that did not sign up measures nothing: say why the first one did not.
    if (success < rows) {
      const page = await call<{ items: Array<{ index: number; status: string; error?: { code: string; message: string } | null }> }>('GET', `/api/runs/${run.id}/records?limit=1000`);
      const first = page.items.find((r) => r.status !== 'success');
      process.stderr.write(`concurrency ${concurrency} (${variant}): ${rows - success} of ${rows} records did not succeed; the first, #${(first?.index ?? 0) + 1}: ${first?.status} ${first?.error?.code ?? ''} ${first?.error?.message ?? ''}\n`);
    }
    const loadavg = os.loadavg().map((x) => Math.round(x * 10) / 10);
    const report = await call<{ perStep: Array<{ nodeId: string; avgMs: number; p95Ms: number }> }>('GET', `/api/runs/${run.id}/report`);
    if (process.env.BENCH_STEPS) process.stderr.write(`${report.perStep.map((st) => `${st.nodeId} ${Math.round(st.avgMs)}/${Math.round(st.p95Ms)} ms`).join(', ')}\n`);
    // The steps that load a page (the open step; the submits navigate to the next page), average ms.
    const pageSteps = Object.fromEntries(report.perStep.filter((st) => ['open', 'submit', 'confirm'].includes(st.nodeId)).map((st) => [st.nodeId, Math.round(st.avgMs)]));
    process.stdout.write(JSON.stringify({ concurrency, variant, rows, assetLatencyMs: pageWeight?.latencyMs ?? null, succeeded: success, seconds: Math.round(seconds * 10) / 10, recordsPerMin: Math.round((rows / seconds) * 60 * 10) / 10, pageSteps, loadavg }) + '\n');
  }
} finally {
  await studio.close();
  await siteServer.close();
  await dovecot.stop();
  await rm(dir, { recursive: true, force: true });
}
