import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { engineMemoryBytes, sandboxStats } from './engine.ts';
import { executeJob } from './execute.ts';
import { Progress } from './progress.ts';
import { runtimeStats } from './runtime.ts';
import { sealedStats } from './sealed.ts';
import type { FromWorker, PostedJob, ToWorker } from './types.ts';
import { addAnswer, emptyAnswers, fromJobBatch } from './batches.ts';
import { provideQuickJSModule } from './wasm-module.ts';

/**
 * A sandbox worker thread: runs the jobs the main thread's pool (pool.ts) posts, one at a time, in
 * the order posted. Executions are synchronous here, so a runaway one only blocks this thread, and
 * the pool can terminate it. Loaded through worker-entry.mjs, which registers tsx for the
 * TypeScript sources.
 *
 * The pool posts jobs in batches and this thread answers in batches (FLUSH_MS): one message each
 * way for many records instead of three per record. Which job runs, and since when, is in shared
 * memory (progress.ts) for the pool's watchdog.
 */

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread (see pool.ts).');
const data = workerData as { progress: SharedArrayBuffer; quickjs?: WebAssembly.Module };
const progress = new Progress(data.progress);

/**
 * Answers wait at most this long behind later jobs of the same batch: a record's result is not
 * held back by a slow record after it for longer than this.
 */
const FLUSH_MS = 20;

const send = (message: FromWorker): void => port.postMessage(message);
// QuickJS as the pool compiled it; without (the pool's compile failed), this worker compiles its own.
if (data.quickjs) provideQuickJSModule(data.quickjs);
const inbox: PostedJob[] = [];
let draining = false;

async function drain(): Promise<void> {
  draining = true;
  let answers = emptyAnswers();
  let flushedAt = performance.now();
  for (let next = inbox.shift(); next; next = inbox.shift()) {
    const { id, job } = next;
    try {
      addAnswer(answers, id, { run: await executeJob(job, () => progress.start(id)) });
    } catch (err) {
      addAnswer(answers, id, { error: err instanceof Error ? err.message : String(err) });
    }
    progress.finish();
    if (inbox.length === 0 || performance.now() - flushedAt >= FLUSH_MS) {
      send({ type: 'done', answers });
      answers = emptyAnswers();
      flushedAt = performance.now();
    }
  }
  draining = false;
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'run') {
    inbox.push(...fromJobBatch(message.batch));
    if (!draining) void drain();
  } else if (message.type === 'stats') {
    engineMemoryBytes(message.memoryLimitBytes).then((engineBytes) => send({ type: 'stats', id: message.id, stats: { ...sandboxStats(), runtimes: runtimeStats(), contexts: sealedStats(), engineBytes, heapUsed: getHeapStatistics().used_heap_size } }));
  }
});
