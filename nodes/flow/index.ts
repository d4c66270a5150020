import { defineGroup } from '../sdk/define-node.ts';
import { distribute } from './distribute.ts';

/** Flow steps (`flow.*`) that share records out between branches. */
export const flowNodes = defineGroup(distribute);
