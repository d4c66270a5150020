import { z } from 'zod';
import { NodeError } from '../../server/contract/node-error.ts';

/**
 * A file chosen in the studio and kept in the flow document itself (the node form's file picker,
 * `widget: 'file'`): a CV every application attaches, a form's standard enclosure. Kept in the flow,
 * not among the studio's uploads, so the file goes wherever the flow goes — its runs (each keeps its
 * own copy of the flow), workers on other machines, an export imported elsewhere — and is never swept.
 * Hence the size limit: every save and every run's copy of the flow carries it.
 */
export const MAX_KEPT_FILE_BYTES = 5 * 1024 * 1024;

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
    base64: z
      .string()
      .max(Math.ceil(MAX_KEPT_FILE_BYTES / 3) * 4)
      // A class and a count, not a group repeated per 4 characters: V8 ran out of stack on that
      // pattern at 7 MB; this one takes ~70 ms there.
      .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be standard base64 without line breaks')
      .describe('Its bytes in base64.'),
  })
  .strict()
  .refine((f) => f.base64.length % 4 === 0 && decodedLength(f.base64) === f.size, { message: 'the chosen file\'s bytes do not match its size (the flow file was cut or edited): choose the file again' });

export type KeptFile = z.infer<typeof keptFile>;

/** A node param holding a file chosen in the studio (absent until one is chosen). */
export function keptFileParam(title: string, description: string) {
  return keptFile.optional().describe(description).meta({ title, widget: 'file', maxBytes: MAX_KEPT_FILE_BYTES });
}

/**
 * The kept file's bytes. The flow check already held them to their size; a flow that reaches a step
 * without them (the setting left empty) is refused with E_INPUT_INVALID, naming the setting.
 */
export function keptFileBytes(file: KeptFile | undefined, setting: string): { name: string; type: string; bytes: Buffer } {
  if (!file) {
    throw new NodeError('E_INPUT_INVALID', `No file is chosen in ${setting}, so there is nothing to attach.`, `Choose the file in the step's ${setting} setting (the studio keeps it in the flow), or set Content is to text or base64 to make the file from the record.`);
  }
  const bytes = Buffer.from(file.base64, 'base64');
  if (bytes.length !== file.size) {
    throw new NodeError('E_INPUT_INVALID', `The file ${JSON.stringify(file.name)} kept in the flow holds ${bytes.length} bytes where it was chosen with ${file.size}: the flow file was cut or edited.`, `Choose the file again in the step's ${setting} setting and save the flow.`);
  }
  return { name: file.name, type: file.type, bytes };
}
