import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import type { FromWorker, ToWorker } from './types.ts';
import { answersOf, toJobBatch } from './batches.ts';

// From the sources a sandbox worker runs worker.ts bundled, cached under the digest of its source
// files (worker-entry.mjs). What must hold: it runs the code, and it never runs a bundle made from
// other sources than the ones on disk.

const ENTRY = new URL('./worker-entry.mjs', import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../..');
// Inside node_modules, as the real cache: the bundle's package imports resolve from there.
mkdirSync(path.join(root, 'node_modules', '.cache'), { recursive: true });
const cache = mkdtempSync(path.join(root, 'node_modules', '.cache', 'conveyor-sandbox-test-'));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

/** Starts a worker from the sources with the test's cache, runs one job, returns what it answered. */
function runOnce(): Promise<unknown> {
  const worker = new Worker(ENTRY, { execArgv: [], workerData: { progress: new SharedArrayBuffer(16) }, env: { ...process.env, CONVEYOR_SANDBOX_CACHE: cache } });
  return new Promise((resolve, reject) => {
    worker.on('error', reject);
    worker.on('message', (message: FromWorker) => {
      if (message.type !== 'done') return;
      const [result] = answersOf(message.answers);
      void worker.terminate();
      resolve('run' in result ? result.run.outcome : result);
    });
    const jobs = [{ id: 1, job: { code: 'return { ...record, twice: record.n * 2 }', inputJson: '{"n":21}', timeoutMs: 5000, memoryLimitBytes: 32 * 1024 * 1024 } }];
    worker.postMessage({ type: 'run', batch: toJobBatch(jobs) } satisfies ToWorker);
  });
}

const bundles = () => readdirSync(cache).filter((f) => /^worker-\w+\.mjs$/.test(f));

describe('sandbox worker from the sources', () => {
  it('bundles worker.ts once into its cache, keyed by its sources, and runs the code from it', { timeout: 60_000 }, async () => {
    expect(await runOnce()).toEqual({ kind: 'result', json: '{"n":21,"twice":42}' });
    const inputs = JSON.parse(readFileSync(path.join(cache, 'inputs.json'), 'utf8')) as string[];
    expect(inputs).toContain('nodes/core/lib/sandbox/execute.ts');
    const hash = createHash('sha256');
    for (const file of inputs) hash.update(`${file}\0`).update(readFileSync(path.join(root, file)));
    expect(bundles()).toEqual([`worker-${hash.digest('hex').slice(0, 32)}.mjs`]);
    // The next start uses that bundle: what it holds is what runs.
    const [bundle] = bundles();
    const text = readFileSync(path.join(cache, bundle), 'utf8');
    writeFileSync(path.join(cache, bundle), text.replace('return clean() ? out :', 'return clean() ? out.replace("twice", "cached") :'));
    expect(await runOnce()).toEqual({ kind: 'result', json: '{"n":21,"cached":42}' });
  });

  it('never runs a bundle of other sources: when a listed source changed, it bundles again and drops the old one', { timeout: 60_000 }, async () => {
    // inputs.json as if the sources had been different: the digest of today's files names another bundle.
    const inputs = JSON.parse(readFileSync(path.join(cache, 'inputs.json'), 'utf8')) as string[];
    const [current] = bundles();
    const stale = readFileSync(path.join(cache, current), 'utf8').replace('return clean() ? out :', 'return clean() ? out.replace("twice", "stale") :');
    rmSync(path.join(cache, current));
    writeFileSync(path.join(cache, 'worker-00000000000000000000000000000000.mjs'), stale);
    writeFileSync(path.join(cache, 'inputs.json'), JSON.stringify([...inputs, 'nodes/core/lib/sandbox/no-such-file.ts']));
    expect(await runOnce()).toEqual({ kind: 'result', json: '{"n":21,"twice":42}' });
    expect(existsSync(path.join(cache, 'worker-00000000000000000000000000000000.mjs'))).toBe(false);
    expect(bundles()).toHaveLength(1);
  });
});
