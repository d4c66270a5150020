import { describe, expect, it } from 'vitest';
import { RUN_STATUSES, RUN_TRANSITIONS, canBecome, canPause, canStop, emptyCounts, isActive, isAtRest, isFinished, isResumable, RECORD_STATUSES } from '../../../server/contract/status.ts';

describe('the run status table', () => {
  it('says of each status whether it moves, rests, can resume, pause or stop', () => {
    const row = (s: (typeof RUN_STATUSES)[number]) => [isActive(s), isAtRest(s), isFinished(s), isResumable(s), canPause(s), canStop(s)].map(Number).join('');
    //                        active rest finished resumable pause stop
    expect(Object.fromEntries(RUN_STATUSES.map((s) => [s, row(s)]))).toEqual({
      running: '100011',
      pausing: '100001',
      paused: '010101',
      stopping: '100000',
      stopped: '010100',
      safe_stopped: '010101',
      interrupted: '010101',
      completed: '011000',
      failed: '011000',
    });
  });

  it('a run at rest is final for the live view: stopped, safe-stopped, interrupted and paused too (no status is final in one place and not in another)', () => {
    for (const s of ['stopped', 'safe_stopped', 'interrupted', 'paused', 'completed', 'failed'] as const) expect(isAtRest(s), s).toBe(true);
    for (const s of ['running', 'pausing', 'stopping'] as const) expect(isAtRest(s), s).toBe(false);
  });

  it('every resumable status can become running, and only actions move a resting run', () => {
    for (const s of RUN_STATUSES) {
      expect(canBecome(s, s)).toBe(true);
      if (isResumable(s)) expect(canBecome(s, 'running'), s).toBe(true);
      if (isAtRest(s)) expect(RUN_TRANSITIONS[s].every((t) => t === 'running' || t === 'stopped' || t === 'interrupted'), s).toBe(true);
    }
    expect(canBecome('completed', 'paused')).toBe(false);
    expect(canBecome('stopped', 'completed')).toBe(false);
  });

  it('counts start at zero for every record status', () => {
    expect(Object.keys(emptyCounts()).sort()).toEqual([...RECORD_STATUSES].sort());
    expect(Object.values(emptyCounts()).every((n) => n === 0)).toBe(true);
  });
});
