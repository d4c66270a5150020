import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { NodeError } from '../../../server/contract/node-error.ts';

/** Flags for Chromium on a server: no sandbox (root in containers), no GPU, no calls home. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

/**
 * Where Chromium is, found at run time: $CHROMIUM_PATH, then Playwright's own download (when it is
 * installed), then the system's Chromium (Debian's `chromium` package).
 */
export function findChromium(): string {
  const tried: string[] = [];
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (existsSync(fromEnv)) return fromEnv;
    tried.push(`CHROMIUM_PATH=${fromEnv} (no such file)`);
  }
  try {
    const own = chromium.executablePath();
    if (own && existsSync(own)) return own;
    if (own) tried.push(`${own} (Playwright's browser is not downloaded)`);
  } catch {
    tried.push("Playwright's own browser (unknown path)");
  }
  for (const p of ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']) {
    if (existsSync(p)) return p;
    tried.push(p);
  }
  throw new NodeError(
    'E_BROWSER_NOT_FOUND',
    `No Chromium was found. Tried: ${tried.join('; ')}.`,
    'Install one (on Debian: apt-get install chromium) or set CHROMIUM_PATH to a Chromium or Chrome executable.',
  );
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: findChromium(), headless: true, args: CHROMIUM_ARGS });
}
