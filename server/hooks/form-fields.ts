/**
 * The fields of an `application/x-www-form-urlencoded` body as bytes: split at `&` and `=`, `+` a
 * space, `%XX` the byte XX (a `%` without two hex digits stays as written) — what the WHATWG
 * urlencoded parser does before it decodes. The caller decodes the bytes in the body's charset:
 * URLSearchParams reads every %-escape as UTF-8, so a form sent as Windows-1252 (`name=M%FCller`)
 * read "M\uFFFDller". Only for charsets where ASCII is one byte a letter (not UTF-16).
 */
export function formFieldBytes(body: Uint8Array): Array<[Uint8Array, Uint8Array]> {
  const fields: Array<[Uint8Array, Uint8Array]> = [];
  let from = 0;
  while (from <= body.length) {
    let to = body.indexOf(0x26, from); // &
    if (to < 0) to = body.length;
    if (to > from) {
      const eq = body.subarray(from, to).indexOf(0x3d); // =
      const name = eq < 0 ? body.subarray(from, to) : body.subarray(from, from + eq);
      const value = eq < 0 ? new Uint8Array(0) : body.subarray(from + eq + 1, to);
      fields.push([percentDecoded(name), percentDecoded(value)]);
    }
    from = to + 1;
  }
  return fields;
}

function percentDecoded(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x2b) out[n++] = 0x20; // +
    else if (b === 0x25 && i + 2 < bytes.length && hex(bytes[i + 1]) >= 0 && hex(bytes[i + 2]) >= 0) {
      out[n++] = hex(bytes[i + 1]) * 16 + hex(bytes[i + 2]);
      i += 2;
    } else out[n++] = b;
  }
  return out.subarray(0, n);
}

function hex(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const lower = b | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}
