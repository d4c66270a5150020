import path from 'node:path';
import { createRegistry } from '../nodes/index.ts';
import type { NodeRegistry } from '../nodes/registry.ts';
import { Engine } from './engine/engine.ts';
import { FlowLibrary } from './flow/flow-library.ts';
import { openSqlJsStore } from './store/sqljs-store.ts';
import type { Store } from './store/types.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { openVault, type Vault } from './vault/vault.ts';

/** The parts every entry point (server, CLI, tests) assembles the same way. */
export interface Conveyor {
  dataDir: string;
  store: Store;
  registry: NodeRegistry;
  engine: Engine;
  flows: FlowLibrary;
  /** Credentials (DATA_DIR/vault.json, encrypted; docs/credentials.md). */
  vault: Vault;
  close(): Promise<void>;
}

export async function openConveyor(dataDir: string): Promise<Conveyor> {
  const dir = path.resolve(dataDir);
  const unlock = lockDataDir(dir);
  try {
    const registry = createRegistry();
    const vault = await openVault(dir, { nodeTypes: () => registry.types() });
    const store = await openSqlJsStore(path.join(dir, 'store'));
    const engine = new Engine({ store, registry, dataDir: dir, credentials: vault });
    await engine.recover();
    return {
      dataDir: dir,
      store,
      registry,
      engine,
      flows: new FlowLibrary(store, registry),
      vault,
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
