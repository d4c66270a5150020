import type { BoundedZip } from './bounded-zip.ts';

/** How much of a small part is looked at: the elements looked for come first in every writer seen. */
const HEAD_CHARS = 65_536;

/** The first 64 K characters of a part of the zip (through its bounded reading), or '' when the file has none. */
export async function headOf(zip: BoundedZip, part: string): Promise<string> {
  if (!zip.has(part)) return '';
  let text = '';
  for await (const chunk of await zip.part(part)) {
    text += String(chunk);
    if (text.length > HEAD_CHARS) break;
  }
  return text;
}
