import type { AnyNodeDefinition } from '../sdk/types.ts';
import { webExtract } from './extract.ts';
import { webExtractPage } from './extract-page.ts';

/** Reading web pages without an API: lists of items by CSS selectors. */
export const webNodes: AnyNodeDefinition[] = [webExtract, webExtractPage];
