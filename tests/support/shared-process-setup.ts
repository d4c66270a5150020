import { vi } from 'vitest';

/**
 * Setup file of the 'unit-shared' project (vitest.config.ts): it runs in the worker before each of its
 * files, and puts back what the file before may have changed in the process it shares with it
 * (tests/support/shared-process-files.ts): the environment variables (a file that sets
 * CONVEYOR_ALLOW_HOSTS or CONVEYOR_SECRET_KEY at its top and never unsets it), the umask (openConveyor
 * sets 077: the files a later test makes would turn private) and the spies on shared objects
 * (vi.spyOn(console, 'warn')). A studio's port stops being marked as the studio's when it closes
 * (markStudioPort in nodes/sdk/network.ts).
 *
 * What the worker had before its first file is kept on globalThis: this module is evaluated again
 * for every file. Vitest's own variables (VITEST_WORKER_ID…, set for each file before this runs)
 * are left as they are.
 */
interface Baseline {
  env: Record<string, string | undefined>;
  umask: number;
}

const KEY = Symbol.for('conveyor.shared-process-baseline');
const holder = globalThis as { [KEY]?: Baseline };
const ours = (name: string) => !name.startsWith('VITEST');

const baseline = (holder[KEY] ??= { env: { ...process.env }, umask: process.umask() });
for (const name of Object.keys(process.env)) if (ours(name) && !(name in baseline.env)) delete process.env[name];
for (const [name, value] of Object.entries(baseline.env)) if (ours(name) && process.env[name] !== value) process.env[name] = value;
process.umask(baseline.umask);
vi.restoreAllMocks();
vi.useRealTimers();
