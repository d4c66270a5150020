/**
 * A worker's store connections carry its id (the `conveyor.worker` setting, sent at connect), so the
 * store's fence trigger knows whose claim a record write must hold (migration 2, record claims).
 */
import { ConveyorError } from '../errors.ts';

const ID = /^[A-Za-z0-9._-]{1,64}$/;

export function checkWorkerId(id: string): string {
  if (!ID.test(id)) {
    throw new ConveyorError('E_WORKER_ID', `The worker id "${id.slice(0, 80)}" is not valid.`, 'Use 1 to 64 letters, digits, dots, dashes or underscores (--id or CONVEYOR_WORKER_ID), or leave it out for one made of the host name and process id.', 400);
  }
  return id;
}

export function workerUrl(url: string, id: string): string {
  const u = new URL(url);
  const setting = `-c conveyor.worker=${checkWorkerId(id)}`;
  const options = u.searchParams.get('options');
  u.searchParams.set('options', options ? `${options} ${setting}` : setting);
  return u.toString();
}
