import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const cli = (args: string[]) => spawnSync(process.execPath, ['bin/conveyor.js', ...args], { encoding: 'utf8', timeout: 60_000 });
const tmp = () => mkdtempSync(path.join(os.tmpdir(), 'conveyor-exit-'));

/** hello-records sends people under 18 or without an age to its "Check age" end; `status` sets how that end ends them. */
function helloFlow(dir: string, status: 'needs_review' | 'failed'): string {
  const flow = JSON.parse(readFileSync('flows/hello-records.json', 'utf8'));
  flow.nodes.find((n: { id: string }) => n.id === 'review').params.status = status;
  const file = path.join(dir, 'flow.json');
  writeFileSync(file, JSON.stringify(flow));
  return file;
}

function people(dir: string, ages: Array<number | ''>): string {
  const file = path.join(dir, 'people.csv');
  writeFileSync(file, ['name,email,age', ...ages.map((a, i) => `P${i},p${i}@example.com,${a}`)].join('\n') + '\n');
  return file;
}

describe('conveyor run: summary line and exit code tell how the run went', () => {
  it('every record failed: exit 1 and the summary names the failed count', () => {
    const dir = tmp();
    const r = cli(['run', helloFlow(dir, 'failed'), '--input', people(dir, ['', 5, 12]), '--data-dir', path.join(dir, 'data')]);
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/Run run_\S+ completed with 3 failed — 3 records: 0 succeeded, 3 failed\./);
    expect(r.stdout).not.toMatch(/Run completed\b/);
  });

  it('records to review and none failed: exit 3, not 0', () => {
    const dir = tmp();
    const r = cli(['run', helloFlow(dir, 'needs_review'), '--input', people(dir, [40, 12]), '--data-dir', path.join(dir, 'data')]);
    expect(r.status, r.stderr).toBe(3);
    expect(r.stdout).toMatch(/completed with 1 to review — 2 records: 1 succeeded, 1 to review\./);
  });

  it('every record succeeded: exit 0', () => {
    const dir = tmp();
    const r = cli(['run', helloFlow(dir, 'failed'), '--input', people(dir, [40, 50]), '--data-dir', path.join(dir, 'data')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Run run_\S+ completed — All 2 records succeeded\./);
  });
});
