/** What a worker and a non-executing studio refuse to start with, and that the refusal never shows the database password. */
import { describe, expect, it } from 'vitest';
import { workerSettings } from '../../../server/worker/settings.ts';
import { executeSetting } from '../../../server/worker/execute-setting.ts';
import { workerUrl } from '../../../server/worker/worker-url.ts';

const PG = { CONVEYOR_STORE: 'postgres', DATABASE_URL: 'postgres://app:s3cret-pw@db.internal:5432/conveyor', DATA_DIR: '/tmp/x' };

describe('worker settings', () => {
  it('reads options over variables, with defaults', () => {
    const s = workerSettings(['--id', 'w-7', '--batch', '16'], { ...PG, CONVEYOR_LEASE_MS: '5000' });
    expect(s).toMatchObject({ id: 'w-7', batch: 16, leaseMs: 5000, pollMs: 500, url: PG.DATABASE_URL });
    expect(workerSettings([], PG)).toMatchObject({ leaseMs: 30_000, batch: 8 });
  });

  it('refuses the embedded store (E_WORKER_STORE) and bad values (E_WORKER_SETTINGS) without repeating the URL', () => {
    expect(() => workerSettings([], { DATABASE_URL: PG.DATABASE_URL })).toThrow(expect.objectContaining({ code: 'E_WORKER_STORE' }));
    for (const [args, env] of [[['--lease-ms', '10'], PG], [['--batch', 'many'], PG], [[], { ...PG, DATABASE_URL: 'mysql://app:s3cret-pw@db/x' }]] as const) {
      let err: { code?: string; message?: string } = {};
      try {
        workerSettings([...args], env);
      } catch (e) {
        err = e as typeof err;
      }
      expect(err.code).toBe('E_WORKER_SETTINGS');
      expect(err.message).not.toContain('s3cret-pw');
    }
  });

  it('names each worker on its connections, and refuses an id that could break out of the setting (E_WORKER_ID)', () => {
    expect(new URL(workerUrl(PG.DATABASE_URL, 'w1')).searchParams.get('options')).toBe('-c conveyor.worker=w1');
    expect(() => workerUrl(PG.DATABASE_URL, 'w1 -c search_path=evil')).toThrow(expect.objectContaining({ code: 'E_WORKER_ID' }));
  });

  it('lets the studio leave runs to workers only on PostgreSQL (E_EXECUTE_SETTING)', () => {
    expect(executeSetting({ kind: 'embedded' }, {})).toBe(true);
    expect(executeSetting({ kind: 'postgres', url: PG.DATABASE_URL }, { CONVEYOR_EXECUTE: '0' })).toBe(false);
    expect(() => executeSetting({ kind: 'embedded' }, { CONVEYOR_EXECUTE: '0' })).toThrow(expect.objectContaining({ code: 'E_EXECUTE_SETTING' }));
    expect(() => executeSetting({ kind: 'postgres', url: PG.DATABASE_URL }, { CONVEYOR_EXECUTE: 'maybe' })).toThrow(expect.objectContaining({ code: 'E_EXECUTE_SETTING' }));
  });
});
