import { defineGroup } from '../sdk/define-node.ts';
import { score } from './score.ts';
import { dedupe } from './dedupe.ts';

/** Data steps (`data.*`) that judge and sort records: scoring, dropping duplicates. */
export const dataNodes = defineGroup(score, dedupe);
