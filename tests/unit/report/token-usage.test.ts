import { afterAll, describe, expect, it } from 'vitest';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import { tokenTotals } from '../../../server/report/token-usage.ts';
import type { LogRow } from '../../../server/store/types.ts';
import { removeTempDirs, runRow, tempDir } from '../store/fixtures.ts';

afterAll(removeTempDirs);

describe('tokenTotals', () => {
  it('sums the usage lines of the AI steps over every page of a long log, and nothing else', async () => {
    const store = await openSqlJsStore(tempDir());
    await store.createRun(runRow('r1', 'f', new Date(0).toISOString(), 1), [{ a: 1 }]);
    const at = new Date(0).toISOString();
    const lines: LogRow[] = [];
    // 12,000 answers of the AI step "ai" (more than two pages of the log), between other lines.
    for (let i = 0; i < 12_000; i++) {
      lines.push({ runId: 'r1', recordIndex: 0, nodeId: 'ai', level: 'info', message: 'answered', data: { tokenUsage: { prompt: 3, completion: 2, total: 5 } }, at });
      lines.push({ runId: 'r1', recordIndex: 0, nodeId: 'http', level: 'info', message: 'not an AI step', data: { tokenUsage: { prompt: 100, completion: 100, total: 200 } }, at });
    }
    lines.push({ runId: 'r1', recordIndex: 0, nodeId: 'ai', level: 'warn', message: 'a correction', data: null, at });
    lines.push({ runId: 'r1', recordIndex: 0, nodeId: 'ai2', level: 'info', message: 'answered', data: { tokenUsage: { prompt: 10, completion: -4, total: 'x' } }, at });
    await store.appendLogs(lines);

    const { run, perNode } = await tokenTotals(store, 'r1', new Set(['ai', 'ai2']));
    expect(perNode.get('ai')).toEqual({ prompt: 36_000, completion: 24_000, total: 60_000, answers: 12_000 });
    // Numbers that cannot be counts are read as 0.
    expect(perNode.get('ai2')).toEqual({ prompt: 10, completion: 0, total: 0, answers: 1 });
    expect(run).toEqual({ prompt: 36_010, completion: 24_000, total: 60_000, answers: 12_001 });
    await store.close();
  });
});
