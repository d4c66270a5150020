import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page, Response } from 'playwright-core';

/**
 * A local service that wants an API key: it answers 200 when the header `name` equals `expected`
 * (401 otherwise) and keeps every request's headers, so a test can check what was really sent.
 */
export interface KeyedService {
  url: string;
  host: string;
  received: IncomingHttpHeaders[];
  expect(header: string, value: string): void;
  close(): Promise<void>;
}

export async function startKeyedService(): Promise<KeyedService> {
  const received: IncomingHttpHeaders[] = [];
  let want = { header: 'authorization', value: '\u0000never' };
  const server: Server = createServer((req, res) => {
    received.push(req.headers);
    const ok = req.headers[want.header] === want.value;
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok, headers: req.headers }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    host: '127.0.0.1',
    received,
    expect(header, value) {
      want = { header: header.toLowerCase(), value };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Every answer of /api/credentials the page receives, as text (to check none holds a secret). */
export function captureCredentialResponses(page: Page): { bodies: Array<{ url: string; status: number; text: string }>; settled(): Promise<void> } {
  const bodies: Array<{ url: string; status: number; text: string }> = [];
  const pending: Promise<void>[] = [];
  page.on('response', (res: Response) => {
    if (!new URL(res.url()).pathname.startsWith('/api/credentials')) return;
    pending.push(
      res
        .text()
        .then((text) => void bodies.push({ url: res.url(), status: res.status(), text }))
        .catch(() => void bodies.push({ url: res.url(), status: res.status(), text: '' })),
    );
  });
  return { bodies, settled: async () => void (await Promise.all(pending)) };
}

/** The values of every input and textarea on the page, and its HTML: where a secret must never appear. */
export async function visibleText(page: Page): Promise<string> {
  const values = await page.evaluate(() => Array.from(document.querySelectorAll('input, textarea, select')).map((e) => (e as HTMLInputElement).value));
  return `${await page.content()}\n${values.join('\n')}`;
}
