/**
 * The text of a web answer in the character set it is written in. `Response.text()` reads every
 * body as UTF-8 (the Fetch standard), so a page or file served as ISO-8859-1 or Windows-1252 — older
 * sites, many government and bank exports — had its accented letters replaced by U+FFFD. Here, as a
 * browser does: a byte-order mark, else the `charset` of Content-Type, else (HTML) a
 * `<meta charset>` in the first 1,024 bytes, else UTF-8.
 */

/** The body's text (`contentType`: the answer's Content-Type header, if any). */
export function bodyText(bytes: Uint8Array, contentType: string | null): string {
  const { encoding, bom } = bodyEncoding(bytes, contentType);
  return decodeWhole(bytes.subarray(bom), encoding);
}

/**
 * All of `bytes` as text in `encoding` (a TextDecoder name). `fatal`: a byte that is not text in it
 * throws (TypeError) instead of becoming U+FFFD.
 */
export function decodeWhole(bytes: Uint8Array, encoding: string, fatal = false): string {
  // `stream: true` then a final call: Node 20 decodes Windows-1252 as Latin-1 in one call (0x80–0x9F).
  const decoder = new TextDecoder(encoding, { ignoreBOM: true, fatal });
  return decoder.decode(bytes, { stream: true }) + decoder.decode();
}

/** The `charset` a Content-Type names, as written (quotes taken off), if it names one. */
export function declaredCharset(contentType: string | null | undefined): string | undefined {
  return /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '')?.[1];
}

/** The encoding a body is in, as TextDecoder names it, and the length of its byte-order mark. */
export function bodyEncoding(bytes: Uint8Array, contentType: string | null): { encoding: string; bom: number } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { encoding: 'utf-8', bom: 3 };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', bom: 2 };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { encoding: 'utf-16be', bom: 2 };
  const declared = declaredCharset(contentType);
  const known = declared && encodingNamed(declared);
  if (known) return { encoding: known, bom: 0 };
  if (/^\s*(?:text\/html|application\/xhtml\+xml)\b/i.test(contentType ?? '')) {
    const head = new TextDecoder('windows-1252').decode(bytes.subarray(0, 1024), { stream: true });
    const meta = /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(head)?.[1];
    const found = meta && encodingNamed(meta);
    if (found) return { encoding: found === 'utf-16le' || found === 'utf-16be' ? 'utf-8' : found, bom: 0 };
  }
  return { encoding: 'utf-8', bom: 0 };
}

/** The encoding TextDecoder knows `label` as (its WHATWG name), or null. */
export function encodingNamed(label: string): string | null {
  try {
    return new TextDecoder(label.trim()).encoding;
  } catch {
    return null;
  }
}

/**
 * The bytes of an answer, at most `maxBytes`: null (and the rest of the answer cancelled) past them,
 * told by Content-Length before anything is read when the server announces it. Read whole, an endless
 * or huge answer filled the studio's memory.
 */
export async function cappedBytes(response: Response, maxBytes: number): Promise<Uint8Array | null> {
  const announced = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(announced) && announced > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    return null;
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

/** The first byte of `bytes` at which UTF-8 is broken (what TextDecoder refuses), or -1; an incomplete sequence at the end is not broken. */
export function firstBadUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      if (i + k >= bytes.length) return -1;
      const c = bytes[i + k];
      if (c < (k === 1 ? lo : 0x80) || c > (k === 1 ? hi : 0xbf)) return i;
    }
    i += need + 1;
  }
  return -1;
}
