import { getHeapStatistics } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import { engineMemoryBytes, sandboxStats } from './engine.ts';
import { executeJob } from './execute.ts';
import { runtimeStats } from './runtime.ts';
import { sealedStats } from './sealed.ts';
import type { FromWorker, ToWorker } from './types.ts';

/**
 * A sandbox worker thread: runs the jobs the main thread's pool (pool.ts) posts, one at a time.
 * Executions are synchronous here, so a runaway one only blocks this thread, and the pool can
 * terminate it. Loaded through worker-entry.mjs, which registers tsx for the TypeScript sources.
 */

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread (see pool.ts).');

const send = (message: FromWorker): void => port.postMessage(message);

port.on('message', (message: ToWorker) => {
  if (message.type === 'run') {
    executeJob(message.job, () => send({ type: 'started', id: message.id })).then(
      (run) => send({ type: 'done', id: message.id, run }),
      (err: unknown) => send({ type: 'failed', id: message.id, error: err instanceof Error ? err.message : String(err) }),
    );
  } else if (message.type === 'stats') {
    engineMemoryBytes(message.memoryLimitBytes).then((engineBytes) => send({ type: 'stats', id: message.id, stats: { ...sandboxStats(), runtimes: runtimeStats(), contexts: sealedStats(), engineBytes, heapUsed: getHeapStatistics().used_heap_size } }));
  }
});
