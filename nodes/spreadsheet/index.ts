import { defineGroup } from '../sdk/define-node.ts';
import { readSheet } from './read-sheet.ts';

/** Spreadsheet connector: triggers that read .xlsx and .csv files. */
export const spreadsheetNodes = defineGroup(readSheet);
