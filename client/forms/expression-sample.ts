import { createContext, useContext } from 'react';
import type { RecordData } from '../../server/contract/data.ts';

/**
 * The record an expression field previews its result on, given by the inspector of the node being
 * edited. `label` says in words where it comes from ("record #1 of the last run, as it reached this
 * step"), so the preview never passes for the truth about other records.
 */
export type ExpressionSample = (
  | { status: 'loading' }
  | { status: 'none'; reason: string }
  | { status: 'ready'; record: RecordData; label: string }
) & {
  /**
   * Field names an expression here can use, for completion: the sample record's fields, what the
   * previous steps produced in the last run, and the fields Set fields steps before this one add.
   */
  fields?: string[];
};

export const ExpressionSampleContext = createContext<ExpressionSample | null>(null);

export function useExpressionSample(): ExpressionSample | null {
  return useContext(ExpressionSampleContext);
}
