import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['bin/conveyor.js', ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'conveyor-cli-'));

describe('npx conveyor', () => {
  it('validates every example flow in flows/', { timeout: 120_000 }, () => {
    const files = readdirSync('flows').filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) {
      const r = cli(['validate', path.join('flows', f)]);
      expect(r.stderr).toBe('');
      expect(r.status, f).toBe(0);
      expect(r.stdout).toMatch(/valid \(\d+ nodes/);
    }
  });

  it('lists every problem of an invalid flow file and exits 1', () => {
    const dir = tmp();
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ format: 'conveyor.flow/v1', id: 'x', name: '', nodes: [{ id: 'a', type: 'core.nope', position: { x: 0, y: 0 } }], edges: [] }));
    const r = cli(['validate', file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/\$\.name: .*/);
    expect(r.stderr).toMatch(/problem/);
  });

  it('runs a flow over an input file and prints the result as JSON', () => {
    const dir = tmp();
    const input = path.join(dir, 'people.csv');
    writeFileSync(input, 'name,email,age\nAda,ada@example.com,36\nAlan,alan@example.com,41\nGrace,grace@example.com,85\n');
    const r = cli(['run', 'flows/hello-records.json', '--input', input, '--json', '--data-dir', path.join(dir, 'data')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.status).toBe('completed');
    expect(summary.recordCount).toBe(3);
    expect(summary.counts.pending + summary.counts.running).toBe(0);
    // --json carries the run report: counts, timings per record and per step, errors.
    expect(summary.report.counts).toEqual(summary.counts);
    expect(summary.report.perStep.map((s: { nodeId: string }) => s.nodeId)).toEqual(expect.arrayContaining(['trigger', 'greet', 'adult']));
    expect(summary.report.perRecord.p95Ms).toBeGreaterThanOrEqual(0);
  });

  it('an input file that is not UTF-8 (Excel\'s Windows-1252 CSV) is refused at its line, exit 2, nothing run; UTF-16 is read', () => {
    const dir = tmp();
    const ansi = path.join(dir, 'people.csv');
    writeFileSync(ansi, Buffer.from('name,email,age\nAda,ada@example.com,36\nM\xfcller,m@example.com,41\n', 'latin1'));
    const r = cli(['run', 'flows/hello-records.json', '--input', ansi, '--json', '--data-dir', path.join(dir, 'data')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('E_SHEET_ENCODING');
    expect(r.stderr).toContain('"people.csv" is not UTF-8 text: line 3 holds the byte 0xFC');
    const utf16 = path.join(dir, 'people16.csv');
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('name,email,age\nMüller,m@example.com,41\n', 'utf16le')]));
    const ok = cli(['run', 'flows/hello-records.json', '--input', utf16, '--json', '--data-dir', path.join(dir, 'data2')]);
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout).recordCount).toBe(1);
  });

  it('explains usage errors and refuses a data directory that another process holds', () => {
    expect(cli([]).status).toBe(2);
    const missing = cli(['run', 'flows/does-not-exist.json']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/E_FILE_NOT_FOUND/);
    const dir = tmp();
    writeFileSync(path.join(dir, 'conveyor.lock'), String(process.pid));
    const busy = cli(['run', 'flows/hello-records.json', '--data-dir', dir]);
    expect(busy.status).toBe(2);
    expect(busy.stderr).toMatch(/E_DATA_DIR_BUSY/);
  });
});
