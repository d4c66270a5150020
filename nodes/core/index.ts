import { defineGroup } from '../sdk/define-node.ts';
import { code } from './code.ts';
import { collect } from './collect.ts';
import { delay } from './delay.ts';
import { end } from './end.ts';
import { httpRequest } from './http-request.ts';
import { ifNode } from './if.ts';
import { log } from './log.ts';
import { manualTrigger } from './manual-trigger.ts';
import { setFields } from './set-fields.ts';
import { split } from './split.ts';
import { switchNode } from './switch.ts';

/** The node types that ship with Conveyor. Adding one = one new file here + one line below. */
export const coreNodes = defineGroup(
  manualTrigger,
  setFields,
  code,
  ifNode,
  switchNode,
  split,
  collect,
  delay,
  httpRequest,
  log,
  end,
);
