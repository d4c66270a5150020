import type { AnyNodeDefinition } from '../sdk/types.ts';
import { readSheet } from './read-sheet.ts';

/** Spreadsheet connector: triggers that read .xlsx and .csv files. */
export const spreadsheetNodes: AnyNodeDefinition[] = [readSheet];
