import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { NodeError } from '../../../server/contract/node-error.ts';
import { encodingOf, TextDecodeStream } from './text-encoding.ts';
import { firstBadUtf8 } from '../../sdk/text-body.ts';

/** A small seeded generator: the same bytes every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Bytes mostly UTF-8 text with some damage: ASCII, 2–4 byte letters, stray high bytes. */
function bytesFrom(rand: () => number, n: number): Uint8Array {
  const text = Array.from({ length: n }, () => {
    const r = rand();
    return r < 0.6 ? 'a' : r < 0.75 ? 'ü' : r < 0.85 ? '€' : r < 0.9 ? '😀' : '\n';
  }).join('');
  const bytes = Buffer.from(text);
  if (rand() < 0.7) bytes[Math.floor(rand() * bytes.length)] = 0x80 + Math.floor(rand() * 0x80);
  return bytes;
}

async function decodeAll(chunks: Uint8Array[], encoding = 'utf-8', bom = 0): Promise<string> {
  let out = '';
  for await (const s of Readable.from(chunks.map((c) => Buffer.from(c))).pipe(new TextDecodeStream(encoding, bom, { shown: 'x.csv' }))) out += s as string;
  return out;
}

describe('text encodings', () => {
  it('firstBadUtf8 finds the first byte TextDecoder refuses (3,000 damaged texts, and the edge cases of UTF-8)', () => {
    // A surrogate, overlong forms, past U+10FFFF, bytes never in UTF-8: each at index 2, after "ab".
    for (const bad of [[0xed, 0xa0, 0x80], [0xe0, 0x80, 0x80], [0xf0, 0x80, 0x80, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xc0, 0xaf], [0xc1, 0xbf], [0xf5, 0x80], [0xff], [0x80]]) {
      expect(firstBadUtf8(Uint8Array.of(0x61, 0x62, ...bad, 0x61)), bad.join(',')).toBe(2);
    }
    expect(firstBadUtf8(Uint8Array.of(0x61, 0xed, 0x9f, 0xbf, 0xf4, 0x8f, 0xbf, 0xbf, 0xe0, 0xa0, 0x80))).toBe(-1);
    const rand = random(17);
    for (let k = 0; k < 3000; k++) {
      const b = bytesFrom(rand, 1 + Math.floor(rand() * 40));
      const at = firstBadUtf8(b);
      const decodes = (bytes: Uint8Array) => {
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
          return true;
        } catch {
          return false;
        }
      };
      if (at < 0) expect(decodes(b)).toBe(true);
      else {
        expect(decodes(b.subarray(0, at))).toBe(true);
        expect(decodes(b.subarray(0, at + 4))).toBe(false);
      }
    }
  });

  it('text split anywhere between chunks decodes as one piece; damage is refused at its line', async () => {
    const rand = random(5);
    const text = Array.from({ length: 400 }, (_, i) => `row ${i};Müller € 😀 東京`).join('\n');
    const bytes = Buffer.from(text);
    for (let k = 0; k < 30; k++) {
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < bytes.length; ) {
        const n = 1 + Math.floor(rand() * 9);
        chunks.push(bytes.subarray(at, at + n));
        at += n;
      }
      expect(await decodeAll(chunks)).toBe(text);
    }
    const damaged = Buffer.from(bytes);
    const line = 123;
    damaged[Buffer.from(text.split('\n').slice(0, line - 1).join('\n') + '\nrow 122;M').length] = 0xff;
    const err = await decodeAll([damaged.subarray(0, 5000), damaged.subarray(5000)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NodeError);
    expect((err as NodeError).message).toBe(`"x.csv" is not UTF-8 text: line ${line} holds the byte 0xFF, which is not UTF-8 here (in Windows-1252 it is "ÿ").`);
  });

  it('a byte-order mark wins over the setting; UTF-32 is refused', () => {
    const ctx = { shown: 'x.csv' };
    expect(encodingOf(Uint8Array.of(0xef, 0xbb, 0xbf, 0x61), 'windows-1252', ctx)).toEqual({ encoding: 'utf-8', bom: 3 });
    expect(encodingOf(Uint8Array.of(0xff, 0xfe, 0x61, 0), 'auto', ctx)).toEqual({ encoding: 'utf-16le', bom: 2 });
    expect(encodingOf(Uint8Array.of(0xfe, 0xff, 0, 0x61), 'shift_jis', ctx)).toEqual({ encoding: 'utf-16be', bom: 2 });
    expect(encodingOf(Buffer.from('a,b'), 'windows-1251', ctx)).toEqual({ encoding: 'windows-1251', bom: 0 });
    expect(encodingOf(Buffer.from('a,b'), 'auto', ctx)).toEqual({ encoding: 'utf-8', bom: 0 });
    expect(() => encodingOf(Uint8Array.of(0xff, 0xfe, 0, 0, 0x61, 0, 0, 0), 'auto', ctx)).toThrow(expect.objectContaining({ code: 'E_SHEET_ENCODING' }));
  });
});
