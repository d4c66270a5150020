// Which packages the compiled CLI and server load when they start (issue 17, start-up). Heavy
// packages (a browser driver, a workbook reader, HTML parsing, database and mail clients, the
// code sandbox, JSON logging) must load on first use: loaded up front they cost most of a start's
// CPU. The command runs in a child process under tests/support/package-trace/record.mjs, which
// writes down every package the process loads, by ESM import or by require.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Never at start: each is loaded by the step, store or option that uses it. */
const HEAVY = ['cheerio', 'exceljs', 'playwright-core', 'pg', 'imapflow', 'nodemailer', 'pino', 'quickjs-emscripten', '@socket.io/postgres-adapter'];
const RECORDER = path.resolve('tests/support/package-trace/record.mjs');

const dir = mkdtempSync(path.join(os.tmpdir(), 'conveyor-startup-imports-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let traces = 0;

/** Runs node with the recorder; the packages the process loaded, sorted. */
function traced(args: string[], env: NodeJS.ProcessEnv = {}): { packages: string[]; status: number | null; stdout: string; stderr: string } {
  const out = path.join(dir, `trace-${++traces}.txt`);
  const r = spawnSync(process.execPath, ['--import', RECORDER, ...args], { encoding: 'utf8', env: { ...process.env, CONVEYOR_FROM_BUILD: '1', CONVEYOR_FROM_SOURCE: '', PACKAGE_TRACE: out, ...env }, timeout: 60_000 });
  return { packages: readTrace(out), status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const readTrace = (file: string) => (existsSync(file) ? [...new Set(readFileSync(file, 'utf8').split('\n').filter(Boolean))].sort() : []);

describe('start-up of the compiled CLI and server: heavy packages load on first use', () => {
  beforeAll(() => {
    const built = spawnSync(process.execPath, ['scripts/build-server.mjs'], { encoding: 'utf8', timeout: 120_000 });
    expect(built.status, built.stderr).toBe(0);
  }, 150_000);

  it('the recorder sees a package loaded by import and one loaded by require (else the checks below would pass on nothing)', () => {
    const r = traced(['--input-type=module', '-e', "await import('cheerio'); (await import('node:module')).createRequire(import.meta.url)('pg');"]);
    expect(r.stderr).toBe('');
    expect(r.packages).toEqual(expect.arrayContaining(['cheerio', 'pg']));
  });

  it('conveyor validate checks flows with browser, mail, spreadsheet and code steps without loading a heavy package', () => {
    const code = path.join(dir, 'code.json');
    writeFileSync(code, JSON.stringify({
      format: 'conveyor.flow/v1',
      id: 'startup-code',
      name: 'Code step',
      nodes: [
        { id: 't', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: {} },
        { id: 'c', type: 'core.code', position: { x: 200, y: 0 }, params: { code: 'return { ...record, double: record.n * 2 }' } },
      ],
      edges: [{ id: 'e', source: 't', sourcePort: 'out', target: 'c', targetPort: 'in' }],
    }));
    for (const flow of ['flows/hello-records.json', 'flows/signup-with-email-code.json', 'flows/contact-form-multipage.json', code]) {
      const r = traced(['bin/conveyor.js', 'validate', flow]);
      expect(r.stderr, flow).toBe('');
      expect(r.stdout, flow).toMatch(/: valid \(\d+ nodes/);
      expect(r.packages.filter((p) => HEAVY.includes(p)), flow).toEqual([]);
    }
  });

  it('a flow with a CSS selector to check loads cheerio for that check only', () => {
    const r = traced(['bin/conveyor.js', 'validate', 'flows/lead-pipeline.json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.packages.filter((p) => HEAVY.includes(p))).toEqual(['cheerio']);
  });

  it('conveyor serve answers /api/health without loading a heavy package, and the node catalogue still checks selectors when asked', async () => {
    const out = path.join(dir, 'trace-serve.txt');
    const data = path.join(dir, 'data');
    const child = spawn(process.execPath, ['--import', RECORDER, 'bin/conveyor.js', 'serve'], {
      env: { ...process.env, CONVEYOR_FROM_BUILD: '1', CONVEYOR_FROM_SOURCE: '', PACKAGE_TRACE: out, PORT: '0', HOST: '127.0.0.1', DATA_DIR: data },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let text = '';
        child.stdout!.on('data', (d) => {
          text += d;
          const m = /studio at (http:\/\/\S+)/.exec(text);
          if (m) resolve(m[1]);
        });
        child.stderr!.on('data', (d) => (text += d));
        child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${text}`)));
      });
      const health = await fetch(`${url}/api/health`);
      expect(health.status).toBe(200);
      expect(readTrace(out).filter((p) => HEAVY.includes(p))).toEqual([]);
      // First use: the catalogue and the templates are described on request, cheerio loads then.
      const templates = (await (await fetch(`${url}/api/templates`)).json()) as Array<{ id: string }>;
      expect(templates.length).toBeGreaterThan(3);
      const types = (await (await fetch(`${url}/api/node-types`)).json()) as Array<{ type: string }>;
      expect(types.length).toBeGreaterThan(10);
      expect(readTrace(out)).toContain('cheerio');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
    }
  }, 60_000);
});
