/** Node state: written with a step (atomically) or on its own, read back after close/reopen and after a kill. */
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlJsStore } from '../../../server/store/sqljs-store.ts';
import { recordData, removeTempDirs, runRow, stepRow, stepUpdate, tempDir } from './fixtures.ts';

afterAll(removeTempDirs);

describe('node state in the store', () => {
  it('commits state with its step, deletes with null, lists by prefix, and keeps it across a kill', async () => {
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
    expect(await store.getNodeState('flow:f', 'dist', 'count:a')).toBe(2);
    expect(await store.getNodeState('flow:f', 'dist', 'rr')).toBeNull();
    expect(await store.listNodeState('flow:f', 'dist', 'count:')).toEqual([
      { key: 'count:a', value: 2 },
      { key: 'count:b', value: { n: 2 } },
    ]);
    // Other scopes and nodes are apart.
    expect(await store.listNodeState('flow:g', 'dist')).toEqual([]);
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

  it('a step the store refuses writes none of its state', async () => {
    const store = await openSqlJsStore(tempDir());
    await store.createRun(runRow('r', 'f', '2024-01-01T00:00:00.000Z', 1), [recordData(0)]);
    await store.commitStep(stepRow('r', 0, 1), stepUpdate('r', 0, 1), [{ scope: 'run:r', nodeId: 'n', key: 'k', value: 1 }]);
    // Same (run, record, seq) again: the step is refused, and so is its state.
    await expect(store.commitStep(stepRow('r', 0, 1), stepUpdate('r', 0, 1), [{ scope: 'run:r', nodeId: 'n', key: 'k', value: 99 }])).rejects.toThrow();
    expect(await store.getNodeState('run:r', 'n', 'k')).toBe(1);
    await store.close();
  });
});
