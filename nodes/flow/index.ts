import { defineGroup } from '../sdk/define-node.ts';
import { distribute } from './distribute.ts';
import { runFlow } from './run-flow.ts';

/** Flow steps (`flow.*`): share records out between branches, start another flow. */
export const flowNodes = defineGroup(distribute, runFlow);
