import type { AnyNodeDefinition } from '../sdk/types.ts';
import { score } from './score.ts';

/** Data steps that judge records: scoring. */
export const dataNodes: AnyNodeDefinition[] = [score];
