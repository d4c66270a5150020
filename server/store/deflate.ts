/**
 * The one rule for what the store deflates (journal packed frames, segment frames, snapshot chunks):
 * raw DEFLATE at level 1 — the cheapest level; level 6 saved about a tenth more bytes for twice the
 * CPU on journal entries — kept only when it saves at least a tenth, so incompressible data (random
 * bytes, already-compressed uploads) is stored as it is. Why DEFLATE and not Brotli: see journal.ts.
 */
import zlib from 'node:zlib';

/** `data` deflated, or null when that would not save a tenth of its bytes (`extra`: bytes the caller adds around it). */
export function deflateIfWorth(data: Uint8Array, extra = 0): Buffer | null {
  const deflated = zlib.deflateRawSync(data, { level: 1 });
  return deflated.length + extra <= data.length * 0.9 ? deflated : null;
}
