// The studio's responsiveness in headless Chromium while a 10,000-record run streams in, next to the
// same editor idle (baseline), in one run; and the JavaScript the first screen loads.
//
//   node --import tsx bench/studio-responsiveness.ts [rows=10000] [idleSeconds=8]
//
// Needs the built studio (npm run build). Prints one JSON line:
//   { rows, firstScreen: { jsBytes, jsFiles, allJsBytes, share }, idle: Phase, run: Phase, loadavg }
// where a Phase is what a PerformanceObserver('longtask') saw on the page's main thread (count, max,
// total blocked = sum of each task's time over 50 ms … see below) plus the renderer's CPU time for the
// main thread (CDP Performance.TaskDuration) and the studio server's CPU time.
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from '../nodes/browser/lib/chromium.ts';
import { startServer } from '../server/main.ts';
import { writePeopleSheet } from '../scripts/people-sheet.ts';

const rows = Number(process.argv[2] ?? 10_000);
const idleSeconds = Number(process.argv[3] ?? 8);
const clientDir = path.resolve('dist/client');
if (!existsSync(path.join(clientDir, 'index.html'))) throw new Error('The studio is not built: run npm run build first.');

interface Phase {
  seconds: number;
  longTasks: number;
  maxMs: number;
  /** Sum of the long tasks' durations. */
  blockedMs: number;
  /** blockedMs over the phase's wall time. */
  blockedShare: number;
  /** Main-thread CPU time of the page's renderer (CDP TaskDuration). */
  rendererCpuMs: number;
  /** The studio server's CPU time (user + system) in this process. */
  serverCpuMs: number;
  loadavg: [number, number, number];
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-ui-bench-'));
const sheet = path.join(dir, 'people.xlsx');
await writePeopleSheet(sheet, rows);
const studio = await startServer({ port: 0, host: '127.0.0.1', dataDir: path.join(dir, 'data'), log: false });
const browser = await launchChromium();

async function call<T>(method: string, route: string, body?: unknown): Promise<T> {
  const res = await fetch(studio.url + route, { method, headers: body !== undefined ? { 'content-type': 'application/json' } : {}, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route} → ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

function allJsBytes(): number {
  const assets = path.join(clientDir, 'assets');
  return readdirSync(assets)
    .filter((f) => f.endsWith('.js'))
    .reduce((sum, f) => sum + statSync(path.join(assets, f)).size, 0);
}

/** JS the first screen (`/`, the flow list) loads: every script response until the page is idle. */
async function firstScreen(): Promise<{ jsBytes: number; jsFiles: number }> {
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const page = await context.newPage();
  const sizes: Promise<number>[] = [];
  page.on('response', (res) => {
    if (res.request().resourceType() === 'script') sizes.push(res.body().then((b) => b.length, () => 0));
  });
  await page.goto(studio.url + '/', { waitUntil: 'networkidle' });
  await page.locator('[data-testid="btn-new-flow"]').waitFor();
  const all = await Promise.all(sizes);
  await context.close();
  return { jsBytes: all.reduce((a, b) => a + b, 0), jsFiles: all.length };
}

async function observe(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __long: Array<{ start: number; duration: number }> };
    w.__long = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__long.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: false });
  });
}

async function measure(page: Page, what: () => Promise<void>): Promise<Phase> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const taskDuration = async () => ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0) * 1000;
  const start = await page.evaluate(() => performance.now());
  await page.evaluate(() => ((window as unknown as { __long: unknown[] }).__long = []));
  const cpu0 = process.cpuUsage();
  const task0 = await taskDuration();
  const t0 = Date.now();
  await what();
  const seconds = (Date.now() - t0) / 1000;
  const task1 = await taskDuration();
  const cpu = process.cpuUsage(cpu0);
  const long = await page.evaluate((from) => (window as unknown as { __long: Array<{ start: number; duration: number }> }).__long.filter((t) => t.start >= from), start);
  await cdp.detach();
  const blockedMs = long.reduce((s, t) => s + t.duration, 0);
  return {
    seconds: Math.round(seconds * 10) / 10,
    longTasks: long.length,
    maxMs: Math.round(Math.max(0, ...long.map((t) => t.duration))),
    blockedMs: Math.round(blockedMs),
    blockedShare: Math.round((blockedMs / (seconds * 1000)) * 1000) / 1000,
    rendererCpuMs: Math.round(task1 - task0),
    serverCpuMs: Math.round((cpu.user + cpu.system) / 1000),
    loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100) as [number, number, number],
  };
}

try {
  const first = await firstScreen();
  const entry = await call<{ id: string }>('POST', '/api/flows/import', JSON.parse(readFileSync('flows/people-by-domain.json', 'utf8')));
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const page = await context.newPage();
  page.setDefaultTimeout(60_000);
  await page.goto(`${studio.url}/flows/${encodeURIComponent(entry.id)}`);
  await page.locator('[data-testid="canvas"][data-fitted="true"]').waitFor();
  await observe(page);

  // Baseline: the same editor, idle.
  const idle = await measure(page, () => page.waitForTimeout(idleSeconds * 1000));

  // The run: from pressing Start to the run's end, with the run panel open (log, records, counters).
  await page.locator('[data-testid="btn-run"]').click();
  await page.locator('[data-testid="run-file-input"]').setInputFiles(sheet);
  await page.locator('[data-testid="run-file-info"]').filter({ hasText: 'people.xlsx' }).waitFor();
  const run = await measure(page, async () => {
    await page.locator('[data-testid="btn-start-run"]').click();
    await page.waitForFunction(() => ['completed', 'failed', 'stopped', 'interrupted'].includes(document.querySelector('[data-testid="run-status"]')?.getAttribute('data-status') ?? ''), undefined, { timeout: 600_000, polling: 500 });
  });
  const all = allJsBytes();
  console.log(JSON.stringify({ rows, firstScreen: { ...first, allJsBytes: all, share: Math.round((first.jsBytes / all) * 1000) / 1000 }, idle, run, cores: os.cpus().length }));
} finally {
  await browser.close();
  await studio.close();
}
