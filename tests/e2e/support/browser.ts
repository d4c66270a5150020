import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

/**
 * Where Chromium is, found at run time: $CHROMIUM_PATH, then Playwright's own download (when it is
 * installed), then the system's /usr/bin/chromium.
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
  throw new Error(
    `No Chromium found for the end-to-end tests. Tried: ${tried.join('; ')}. ` +
      'Install one (e.g. "apt-get install chromium") or set CHROMIUM_PATH to a Chromium/Chrome executable.',
  );
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: findChromium(), headless: true, args: ARGS });
}
