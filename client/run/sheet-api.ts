import { api, postFile } from '../api/http.ts';
import type { FlowDocument, RunInputBody } from '../api/types.ts';

// The wire types are the contract's (server/contract/wire/preflight.ts).
import type { UploadedFile, PreflightProblem, PreflightResult } from '../../server/contract/wire/preflight.ts';
import type { RejectInfo } from '../../server/contract/data.ts';
export type { UploadedFile, PreflightProblem, PreflightResult };
export type RejectRow = RejectInfo;

/** A run input as the API takes it, with an uploaded spreadsheet as `fileId`. */
export type RunInputWithFile = RunInputBody & { fileId?: string };

export { isSheetName as isSheetFile, SHEET_ACCEPT } from '../../server/contract/sheet-files.ts';

/** Sends the file as it is (streamed by the server to its uploads folder). */
export function uploadSheet(file: File): Promise<UploadedFile> {
  return postFile<UploadedFile>(`/api/uploads?name=${encodeURIComponent(file.name)}`, file);
}

/** The dry check of the flow as it is in the editor (unsaved changes included). */
export function preflightFlow(flowId: string, input: RunInputWithFile | undefined, flow?: FlowDocument, reprocess = false): Promise<PreflightResult> {
  return api.post<PreflightResult>(`/api/flows/${encodeURIComponent(flowId)}/preflight`, { ...(input ? { input } : {}), ...(flow ? { flow } : {}), ...(reprocess ? { reprocess } : {}) });
}

export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
