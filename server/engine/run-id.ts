import { randomBytes } from 'node:crypto';

/** A new run's id: time-ordered, with a random part (two studios starting runs at once never collide). */
export function newRunId(): string {
  return `run_${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
}
