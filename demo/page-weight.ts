/**
 * What a real signup page loads besides its form, for the demo sites that want it (the signup
 * template's benchmark, bench/signup-template.ts): a logo, a hero picture, a web font for the
 * headings — each answered after `latencyMs`, as from a content network a round trip away. A page
 * with none of these (the demo sites' default) cannot show what skipping them saves; the issue that
 * asked for "Skip images, fonts and media" was about pages that carry them.
 *
 * Sizes, chosen for one form page: the hero about 250 KB (a PNG of a gradient with grain, so it
 * neither compresses to nothing nor decodes for free), the logo a few KB, and one font of a few
 * hundred KB when the machine has DejaVu (Debian's Chromium brings it), none otherwise.
 */
import { existsSync, readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import express, { type Router } from 'express';
import { crc32 } from '../server/store/crc32.ts';

export interface PageWeight {
  /** Each asset is answered this long after it was asked for. */
  latencyMs: number;
}

interface Asset {
  type: string;
  body: Buffer;
}

const FONT_FILE = '/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf';

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const sum = Buffer.alloc(4);
  sum.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, sum]);
}

/** An RGB PNG of `width` × `height`: a gradient with deterministic grain of `grain` levels. */
export function gradientPng(width: number, height: number, grain: number): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  let seed = 0x2545f491;
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      const noise = grain > 0 ? (seed >>> 0) % grain : 0;
      const at = row + 1 + x * 3;
      raw[at] = (40 + (x * 150) / width + noise) & 255;
      raw[at + 1] = (90 + (y * 120) / height + noise) & 255;
      raw[at + 2] = (160 + noise) & 255;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.writeUInt8(8, 8); // bit depth
  ihdr.writeUInt8(2, 9); // RGB
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

let assets: Map<string, Asset> | undefined;

function built(): Map<string, Asset> {
  if (assets) return assets;
  assets = new Map([
    ['/assets/logo.png', { type: 'image/png', body: gradientPng(160, 48, 0) }],
    ['/assets/hero.png', { type: 'image/png', body: gradientPng(960, 320, 2) }],
  ]);
  if (existsSync(FONT_FILE)) assets.set('/assets/heading.ttf', { type: 'font/ttf', body: readFileSync(FONT_FILE) });
  return assets;
}

/** The assets' routes, each answered after the weight's latency. */
export function pageWeightRoutes(weight: PageWeight): Router {
  const router = express.Router();
  for (const [route, asset] of built()) {
    router.get(route, (_req, res) => {
      setTimeout(() => void res.type(asset.type).set('cache-control', 'public, max-age=3600').send(asset.body), weight.latencyMs);
    });
  }
  return router;
}

/** What a page's head adds: the heading font. */
export function pageWeightHead(): string {
  return built().has('/assets/heading.ttf')
    ? `<style>@font-face{font-family:Heading;src:url(/assets/heading.ttf) format('truetype')}h1{font-family:Heading,serif}</style>`
    : '';
}

/** What a page's body starts with: the logo and the hero picture. */
export function pageWeightBanner(): string {
  return '<header><img src="/assets/logo.png" alt="Demo" width="160" height="48"><img src="/assets/hero.png" alt="" width="960" height="320" style="max-width:100%;height:auto"></header>';
}

