import path from 'node:path';
import { createRegistry } from '../nodes/index.ts';
import type { NodeRegistry } from '../nodes/registry.ts';
import { Engine } from './engine/engine.ts';
import { FlowLibrary } from './flow/flow-library.ts';
import { openSqlJsStore } from './store/sqljs-store.ts';
import type { Store } from './store/types.ts';
import { lockDataDir } from './data-dir-lock.ts';

/** The parts every entry point (server, CLI, tests) assembles the same way. */
export interface Conveyor {
  dataDir: string;
  store: Store;
  registry: NodeRegistry;
  engine: Engine;
  flows: FlowLibrary;
  close(): Promise<void>;
}

export async function openConveyor(dataDir: string): Promise<Conveyor> {
  const dir = path.resolve(dataDir);
  const unlock = lockDataDir(dir);
  try {
    const store = await openSqlJsStore(path.join(dir, 'store'));
    const registry = createRegistry();
    const engine = new Engine({ store, registry, dataDir: dir });
    await engine.recover();
    return {
      dataDir: dir,
      store,
      registry,
      engine,
      flows: new FlowLibrary(store, registry),
      async close() {
        await engine.shutdown();
        await store.close();
        unlock();
      },
    };
  } catch (err) {
    unlock();
    throw err;
  }
}

export function defaultDataDir(): string {
  return path.resolve(process.env.DATA_DIR ?? 'data');
}
