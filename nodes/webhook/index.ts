import type { AnyNodeDefinition } from '../sdk/types.ts';
import { webhookTrigger } from './trigger.ts';

/** Requests from other services start runs (the hook routes are server/http/hook-routes.ts). */
export const webhookNodes: AnyNodeDefinition[] = [webhookTrigger];
