import type { AnyNodeDefinition } from '../sdk/types.ts';
import { aiChat } from './chat.ts';

/** AI steps: models asked through an OpenAI-compatible API. */
export const aiNodes: AnyNodeDefinition[] = [aiChat];
