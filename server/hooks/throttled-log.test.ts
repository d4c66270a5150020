import { describe, expect, it } from 'vitest';
import { ThrottledLog } from './throttled-log.ts';

describe('refused-request log lines', () => {
  it('keeps at most N lines a minute per hook address and says how many it left out', () => {
    const lines: string[] = [];
    let now = 0;
    const log = new ThrottledLog((l) => lines.push(l), 3, () => now);
    for (let i = 0; i < 10; i++) log.line('/hooks/f/a', `refused ${i}`);
    log.line('/hooks/f/b', 'other hook');
    expect(lines).toEqual(['refused 0', 'refused 1', 'refused 2', 'other hook']);
    now = 60_000;
    log.line('/hooks/f/a', 'refused 10');
    expect(lines.slice(4)).toEqual(['/hooks/f/a: 7 more lines were left out of the log in the minute before (more than 3 a minute).', 'refused 10']);
  });
});
