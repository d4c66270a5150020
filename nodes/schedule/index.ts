import { defineGroup } from '../sdk/define-node.ts';
import { scheduleTrigger } from './trigger.ts';

/** Schedules (`schedule.*`): the trigger that starts a run by itself at set times. */
export const scheduleNodes = defineGroup(scheduleTrigger);
