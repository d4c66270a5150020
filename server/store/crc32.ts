/**
 * CRC-32 (IEEE 802.3, the polynomial zlib uses), table-driven with slicing-by-8.
 * Written here because zlib.crc32 only exists from Node 22.
 */

const TABLES: Int32Array[] = (() => {
  const tables: Int32Array[] = [];
  const t0 = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t0[n] = c;
  }
  tables.push(t0);
  for (let t = 1; t < 8; t++) {
    const prev = tables[t - 1];
    const next = new Int32Array(256);
    for (let n = 0; n < 256; n++) next[n] = t0[prev[n] & 0xff] ^ (prev[n] >>> 8);
    tables.push(next);
  }
  return tables;
})();

const [T0, T1, T2, T3, T4, T5, T6, T7] = TABLES;

/** CRC-32 of `buf[start, end)`, as an unsigned 32-bit number. */
export function crc32(buf: Uint8Array, start = 0, end = buf.length): number {
  let c = -1;
  let i = start;
  const fast = end - ((end - start) & 7);
  while (i < fast) {
    const a = c ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24));
    c =
      T7[a & 0xff] ^
      T6[(a >>> 8) & 0xff] ^
      T5[(a >>> 16) & 0xff] ^
      T4[a >>> 24] ^
      T3[buf[i + 4]] ^
      T2[buf[i + 5]] ^
      T1[buf[i + 6]] ^
      T0[buf[i + 7]];
    i += 8;
  }
  while (i < end) c = T0[(c ^ buf[i++]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
