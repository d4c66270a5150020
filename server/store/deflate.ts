/**
 * The one rule for what the store compresses: segment frames and snapshot chunks as raw DEFLATE at
 * level 1 — the cheapest level; level 6 saved about a tenth more bytes for twice the CPU on journal
 * entries — and the journal's packed frames as Brotli at quality 1 (`brotliIfWorth`), each kept only
 * when it saves at least a tenth, so incompressible data (random bytes, already-compressed uploads)
 * is stored as it is. Why the journal differs: see journal.ts.
 */
import zlib from 'node:zlib';

/**
 * A window no larger than the input and a smaller hash table for small inputs: the same output
 * (LZ77 cannot reach back past the input's start anyway), with less memory set up per call — zlib
 * prepares about 256 KiB for the default window. A step segment frame of 500 bytes: 13.1 → 9.8 µs;
 * 2.7 KB: 13.4 → 10.8 µs; 30 KB: unchanged (measured on step rows, 20,000 calls each). Inflating
 * needs nothing: a reader's default window covers any smaller one.
 */
function optionsFor(length: number): zlib.ZlibOptions {
  const windowBits = Math.max(9, Math.min(15, Math.ceil(Math.log2(length + 1))));
  return { level: 1, windowBits, memLevel: windowBits <= 11 ? 3 : windowBits <= 13 ? 5 : 8 };
}

/** `data` deflated, or null when that would not save a tenth of its bytes (`extra`: bytes the caller adds around it). */
export function deflateIfWorth(data: Uint8Array, extra = 0): Buffer | null {
  const deflated = zlib.deflateRawSync(data, optionsFor(data.length));
  return deflated.length + extra <= data.length * 0.9 ? deflated : null;
}

/**
 * Brotli at quality 1, with a window covering the input: for the journal's packed frames. On the
 * 10-step chain's group commits (64 entries, 35 KB) 46–61 µs and 30 bytes an entry against DEFLATE's
 * 77–93 µs and 46 bytes; 2 to 24 entries: 21–31 µs against 27–43 µs, as small or smaller (measured
 * here, interleaved, three rounds). Its slower reads of small frames (journal.ts) do not matter for a
 * journal, which is read back only when the store opens after a crash.
 */
export function brotliIfWorth(data: Uint8Array, extra = 0): Buffer | null {
  const window = Math.max(zlib.constants.BROTLI_MIN_WINDOW_BITS, Math.min(zlib.constants.BROTLI_MAX_WINDOW_BITS, Math.ceil(Math.log2(data.length + 1))));
  const packed = zlib.brotliCompressSync(data, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 1,
      [zlib.constants.BROTLI_PARAM_LGWIN]: window,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });
  return packed.length + extra <= data.length * 0.9 ? packed : null;
}
