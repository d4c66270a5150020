import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const cli = (args: string[]) => spawnSync(process.execPath, ['bin/conveyor.js', ...args], { encoding: 'utf8', timeout: 60_000 });

describe('npx conveyor validate / check: an invalid expression is a problem before anything runs', () => {
  it('names the step, the field path and the position; exit 1 for both', () => {
    const doc = JSON.parse(readFileSync('flows/hello-records.json', 'utf8'));
    const greet = doc.nodes.find((n: { id: string }) => n.id === 'greet');
    greet.params.fields[1].value = '"Hello, " & name & (';
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'conveyor-expr-')), 'bad.json');
    writeFileSync(file, JSON.stringify(doc));
    const line = '$.nodes[1].params.fields[1].value: Step "Greeting" (greet), "Value" (fields[1].value): The expression is not valid: Expected ")" before end of expression (at character 20 of "\\"Hello, \\" & name & (").';

    const validate = cli(['validate', file]);
    expect(validate.status).toBe(1);
    expect(validate.stdout + validate.stderr).toContain(line);

    const check = cli(['check', file]);
    expect(check.status).toBe(1);
    expect(check.stdout).toContain('3 records would run, 0 rows rejected, 1 problem.');
    expect(check.stdout).toContain(line);
    expect(check.stdout).toContain('(E_EXPRESSION_INVALID)');
  });
});
