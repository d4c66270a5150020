import type { AnyNodeDefinition } from './sdk/types.ts';
import { NodeRegistry } from './registry.ts';
import { coreNodes } from './core/index.ts';
import { spreadsheetNodes } from './spreadsheet/index.ts';
import { mailNodes } from './mail/index.ts';
import { browserNodes } from './browser/index.ts';
import { scheduleNodes } from './schedule/index.ts';
import { flowNodes } from './flow/index.ts';
import { termsNodes } from './terms/index.ts';
import { aiNodes } from './ai/index.ts';
import { dataNodes } from './data/index.ts';
import { webNodes } from './web/index.ts';
import { webhookNodes } from './webhook/index.ts';

/** Every node type that ships with Conveyor. A new connector group adds its index here. */
export const builtinNodes: AnyNodeDefinition[] = [...coreNodes, ...spreadsheetNodes, ...browserNodes, ...mailNodes, ...aiNodes, ...dataNodes, ...webNodes, ...scheduleNodes, ...flowNodes, ...termsNodes, ...webhookNodes];

export function createRegistry(extra: AnyNodeDefinition[] = []): NodeRegistry {
  return new NodeRegistry([...builtinNodes, ...extra]);
}
