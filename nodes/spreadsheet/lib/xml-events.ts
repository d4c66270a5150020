/**
 * The XML event parser the spreadsheet readers share: exceljs' (saxes underneath), fed text decoded
 * across chunks. Required on the first read, not when this module loads: the CLI and studio load the
 * readers at every start.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface XmlTag {
  name: string;
  attributes: Record<string, string>;
}
export type XmlEvents = AsyncIterable<Array<{ eventType: string; value: XmlTag | string }>>;

/** The events of an XML part (opentag, text, closetag), in batches as the bytes arrive. */
export function parseSax(stream: AsyncIterable<unknown>): XmlEvents {
  return (require('exceljs/lib/utils/parse-sax.js') as (s: AsyncIterable<string>) => XmlEvents)(utf8Text(stream));
}

/**
 * A part's bytes as text, decoded across chunks. exceljs' parser decodes each chunk on its own, so a
 * letter whose bytes straddle two chunks became two U+FFFD: 17 cells of a 20,000-row sheet of Japanese
 * and German names read with "\uFFFD" in them. Fatal: bytes that are not UTF-8 are a damaged part.
 */
async function* utf8Text(stream: AsyncIterable<unknown>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for await (const chunk of stream) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk as Uint8Array, { stream: true });
    if (text) yield text;
  }
  const tail = decoder.decode();
  if (tail) yield tail;
}
