/**
 * Node state in the embedded store after a crash: what a step wrote with it, or a service on its own,
 * is replayed from the journal. What node state does through the store's reads (commits with the step,
 * null deletes, prefixes, a refused step writes none) is the store contract's (contract/state-contract.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import { recordData, removeTempDirs, runRow, stepRow, stepUpdate, tempDir } from './fixtures.ts';

afterAll(removeTempDirs);

describe('node state in the store', () => {
  it('keeps state written with steps and on its own across a kill (journal replay), then a clear across a close', async () => {
    const dir = tempDir();
    const store = await openSqlJsStore(dir);
    await store.createRun(runRow('r', 'f', '2024-01-01T00:00:00.000Z', 2), [recordData(0), recordData(1)]);
    await store.commitStep(stepRow('r', 0, 1), stepUpdate('r', 0, 1), [
      { scope: 'flow:f', nodeId: 'dist', key: 'count:a', value: 1 },
      { scope: 'flow:f', nodeId: 'dist', key: 'count:b', value: { n: 2 } },
      { scope: 'flow:f', nodeId: 'dist', key: 'rr', value: 'b' },
    ]);
    await store.commitStep(stepRow('r', 1, 1), stepUpdate('r', 1, 1), [
      { scope: 'flow:f', nodeId: 'dist', key: 'count:a', value: 2 },
      { scope: 'flow:f', nodeId: 'dist', key: 'rr', value: null },
    ]);
    await store.putNodeState([{ scope: 'schedule:f', nodeId: 'trigger', key: 'last', value: '2024-01-01T00:00:00.000Z' }]);
    await store.kill();

    const again = await openSqlJsStore(dir);
    expect(await again.listNodeState('flow:f', 'dist')).toEqual([
      { key: 'count:a', value: 2 },
      { key: 'count:b', value: { n: 2 } },
    ]);
    expect(await again.getNodeState('schedule:f', 'trigger', 'last')).toBe('2024-01-01T00:00:00.000Z');
    await again.clearNodeState('flow:f', 'dist');
    expect(await again.listNodeState('flow:f', 'dist')).toEqual([]);
    await again.close();
    const third = await openSqlJsStore(dir);
    expect(await third.listNodeState('flow:f', 'dist')).toEqual([]);
    expect(await third.getNodeState('schedule:f', 'trigger', 'last')).toBe('2024-01-01T00:00:00.000Z');
    await third.close();
  });
});
