import { defineGroup } from '../sdk/define-node.ts';
import { termGroups } from './groups.ts';

/** Search terms (`terms.*`): the trigger that turns groups of terms into records, paced. */
export const termsNodes = defineGroup(termGroups);
