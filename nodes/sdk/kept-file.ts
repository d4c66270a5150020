import { z } from 'zod';
import { NodeError } from '../../server/contract/node-error.ts';
import type { NodeContext } from './types.ts';

/**
 * A file chosen in a node's form (`widget: 'file'`): a CV every application attaches, a form's
 * standard enclosure. The studio keeps the bytes apart, by their SHA-256 (the store's KeptFileStore:
 * files of the data folder, or a PostgreSQL table every worker reads); the flow, and each run's copy
 * of it, hold only `{ name, type, size, sha256 }` — a run does not copy the file, and the store's
 * memory never holds it. A flow file (an export) carries the bytes too, as `base64`, so it imports
 * anywhere: the studio keeps them apart again on import or save.
 */
export const MAX_KEPT_FILE_BYTES = 10 * 1024 * 1024;

/** Bytes a base64 text (no line breaks) decodes to. */
function decodedLength(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return (base64.length / 4) * 3 - padding;
}

const keptFile = z
  .object({
    name: z.string().trim().min(1).max(255).describe('The file\'s own name, as chosen.'),
    type: z.string().max(255).default('').describe('Its media type as the browser told it (may be empty).'),
    size: z.number().int().min(0).max(MAX_KEPT_FILE_BYTES).describe('Its size in bytes.'),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'must be the SHA-256 of the file\'s bytes, 64 lower-case hex digits')
      .optional()
      .describe('The SHA-256 of its bytes: the studio keeps them under it.'),
    base64: z
      .string()
      .max(Math.ceil(MAX_KEPT_FILE_BYTES / 3) * 4)
      // A class and a count, not a group repeated per 4 characters: V8 ran out of stack on that
      // pattern at 7 MB; this one takes ~70 ms there.
      .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be standard base64 without line breaks')
      .optional()
      .describe('Its bytes in base64: in a flow file (an export); the studio keeps them apart on import.'),
  })
  .strict()
  .refine((f) => f.sha256 !== undefined || f.base64 !== undefined, { message: 'a chosen file needs its bytes (base64) or the SHA-256 the studio keeps them under: choose the file again' })
  .refine((f) => f.base64 === undefined || (f.base64.length % 4 === 0 && decodedLength(f.base64) === f.size), {
    message: 'the chosen file\'s bytes do not match its size (the flow file was cut or edited): choose the file again',
  });

export type KeptFile = z.infer<typeof keptFile>;

/** Param schemas made by `keptFileParam`: the studio finds a flow's chosen files by them (server/flow/kept-files.ts). */
const KEPT_FILE_PARAMS = new WeakSet<z.ZodType>();

/** A node param holding a file chosen in the studio (absent until one is chosen). A top-level param of the node. */
export function keptFileParam(title: string, description: string) {
  const param = keptFile.optional().describe(description).meta({ title, widget: 'file', maxBytes: MAX_KEPT_FILE_BYTES });
  KEPT_FILE_PARAMS.add(param);
  return param;
}

export function isKeptFileParam(schema: unknown): boolean {
  return typeof schema === 'object' && schema !== null && KEPT_FILE_PARAMS.has(schema as z.ZodType);
}

/**
 * The chosen file's name, type and bytes: from the studio's kept files (`ctx.files`), every byte
 * checked against its SHA-256 there, or from the param itself when it carries them (a flow run from a
 * file by the CLI). None chosen, or one this studio does not keep (a flow file edited by hand):
 * E_INPUT_INVALID naming the setting.
 */
export async function keptFileBytes(file: KeptFile | undefined, ctx: Pick<NodeContext<unknown>, 'files' | 'resources'>, setting: string): Promise<{ name: string; type: string; bytes: Buffer }> {
  if (!file) {
    throw new NodeError('E_INPUT_INVALID', `No file is chosen in ${setting}, so there is nothing to attach.`, `Choose the file in the step's ${setting} setting and save the flow, or set Content is to text or base64 to make the file from the record.`);
  }
  const sha256 = file.sha256;
  // Read (and hashed) once per run, not once per record: every record attaches the same file.
  const bytes =
    file.base64 !== undefined
      ? Buffer.from(file.base64, 'base64')
      : sha256
        ? await ctx.resources.run.get(`kept-file:${sha256}`, async () => (await ctx.files?.read(sha256)) ?? null, () => undefined)
        : null;
  if (!bytes) {
    throw new NodeError('E_INPUT_INVALID', `The file ${JSON.stringify(file.name)} chosen in ${setting} is not kept by this studio (the flow names it by its SHA-256 only).`, `Choose the file again in the step's ${setting} setting and save the flow; a flow moved between studios takes its files along when exported and imported.`);
  }
  if (bytes.length !== file.size) {
    throw new NodeError('E_INPUT_INVALID', `The file ${JSON.stringify(file.name)} chosen in ${setting} holds ${bytes.length} bytes where it was chosen with ${file.size}: the flow file was cut or edited.`, `Choose the file again in the step's ${setting} setting and save the flow.`);
  }
  return { name: file.name, type: file.type, bytes };
}
