import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain JavaScript next to bin/conveyor.js, without type declarations
import { buildProblem } from '../../../bin/choose-build.js';

/** The CLI from the compiled build only: CONVEYOR_FROM_BUILD=1 makes bin/conveyor.js skip tsx. */
const compiled = (args: string[]) =>
  spawnSync(process.execPath, ['bin/conveyor.js', ...args], { encoding: 'utf8', env: { ...process.env, CONVEYOR_FROM_BUILD: '1', CONVEYOR_FROM_SOURCE: '' }, timeout: 60_000 });
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'conveyor-build-'));

const codeFlow = {
  format: 'conveyor.flow/v1',
  id: 'compiled-code',
  name: 'Code step from the build',
  nodes: [
    { id: 't', type: 'core.manual-trigger', position: { x: 0, y: 0 }, params: {} },
    { id: 'c', type: 'core.code', position: { x: 200, y: 0 }, params: { code: 'return { ...record, double: record.n * 2 }' } },
  ],
  edges: [{ id: 'e', source: 't', sourcePort: 'out', target: 'c', targetPort: 'in' }],
};

describe('the compiled server and CLI (dist-server/)', () => {
  beforeAll(() => {
    const built = spawnSync(process.execPath, ['scripts/build-server.mjs'], { encoding: 'utf8', timeout: 120_000 });
    expect(built.status, built.stderr).toBe(0);
  }, 150_000);

  it('is plain JavaScript: nothing in it imports a TypeScript file', () => {
    for (const file of ['cli.js', 'sandbox-worker.js', 'sheet-read-worker.js']) {
      const text = readFileSync(path.join('dist-server', file), 'utf8');
      expect(text.length).toBeGreaterThan(1000);
      expect(text).not.toMatch(/(from|import\()\s*["'][^"']+\.ts["']/);
    }
  });

  it('validates flows: exit 0 for a valid one, 1 with the problems listed for a broken one', () => {
    const ok = compiled(['validate', 'flows/hello-records.json']);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/valid \(\d+ nodes/);
    const dir = tmp();
    writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ ...codeFlow, name: '' }));
    const bad = compiled(['validate', path.join(dir, 'bad.json')]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/\$\.name: /);
  });

  it('runs a code step (its sandbox worker comes from the build) and reads a workbook (so does the reader thread)', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'flow.json'), JSON.stringify(codeFlow));
    writeFileSync(path.join(dir, 'in.json'), JSON.stringify([{ n: 1 }, { n: 21 }]));
    const run = compiled(['run', path.join(dir, 'flow.json'), '--input', path.join(dir, 'in.json'), '--json', '--data-dir', path.join(dir, 'data')]);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'completed', counts: { success: 2, failed: 0 } });

    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('People');
    sheet.addRow(['first_name', 'last_name', 'email']);
    sheet.addRow(['Ada', 'Lovelace', 'ada@example.com']);
    await workbook.xlsx.writeFile(path.join(dir, 'people.xlsx'));
    const check = compiled(['check', 'flows/spreadsheet-contacts.json', '--input', path.join(dir, 'people.xlsx'), '--data-dir', path.join(dir, 'data2')]);
    expect(check.stdout).toMatch(/1 record would run, 0 rows rejected, 0 problems/);
  });

  it('serves the studio: /api/health answers and the templates are found from dist-server/', async () => {
    const dir = tmp();
    const child = spawn(process.execPath, ['bin/conveyor.js', 'serve'], { env: { ...process.env, CONVEYOR_FROM_BUILD: '1', CONVEYOR_FROM_SOURCE: '', PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d) => {
          out += d;
          const m = /studio at (http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]);
        });
        child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
      });
      expect(await (await fetch(`${url}/api/health`)).json()).toMatchObject({ ok: true });
      const templates = (await (await fetch(`${url}/api/templates`)).json()) as Array<{ id: string }>;
      expect(templates.map((t) => t.id)).toContain('signup-with-email-code');
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }, 60_000);

  it('bin/conveyor.js uses the build only while no source that went into it changed or went away', () => {
    const root = tmp();
    expect(buildProblem(root)).toBe('there is no compiled build');
    mkdirSync(path.join(root, 'dist-server'));
    mkdirSync(path.join(root, 'server'));
    writeFileSync(path.join(root, 'server', 'a.ts'), 'export {};');
    const builtAt = Date.now();
    utimesSync(path.join(root, 'server', 'a.ts'), new Date(builtAt - 60_000), new Date(builtAt - 60_000));
    writeFileSync(path.join(root, 'dist-server', 'inputs.json'), JSON.stringify({ builtAt, inputs: ['server/a.ts'] }));
    expect(buildProblem(root)).toBeNull();
    utimesSync(path.join(root, 'server', 'a.ts'), new Date(builtAt + 1000), new Date(builtAt + 1000));
    expect(buildProblem(root)).toBe('server/a.ts changed since the last build');
    rmSync(path.join(root, 'server', 'a.ts'));
    expect(buildProblem(root)).toBe('server/a.ts is gone since the last build');
  });
});
