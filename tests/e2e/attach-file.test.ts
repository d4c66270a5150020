import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { useStudio } from './support/fixtures.ts';
import { createFlowViaApi } from './support/api.ts';
import * as s from './support/studio.ts';

/**
 * Browser: attach file, built and run in the studio: a job application site whose CV field hides
 * behind its own button and whose form sends the file (multipart, as browsers send files); each
 * record's CV is a PDF in base64 in the record. The site must receive each record's bytes exactly,
 * under the name and type the step gave. Then a file chosen in the step's form, kept by the studio:
 * every record sends that file, after a save and a reload of the studio too; the saved flow and the
 * run name it by its SHA-256, the export carries its bytes.
 */

const studio = useStudio();

interface Received {
  name: string;
  type: string;
  bytes: Buffer;
}
const received: Received[] = [];
let site: http.Server;
let base = '';

const APPLY = `<!doctype html><html><body><h1>Apply</h1>
  <form method="post" action="/apply" enctype="multipart/form-data">
    <input type="file" name="cv" id="cv" accept=".pdf" hidden>
    <button type="button" id="pick" onclick="document.getElementById('cv').click()">Upload your CV</button>
    <button type="submit" id="send">Send application</button>
  </form></body></html>`;

/** The file part of a multipart body: its file name, type and bytes. */
function filePart(body: Buffer, contentType: string): Received | null {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!boundary) return null;
  const head = body.indexOf('filename="');
  if (head < 0) return null;
  const name = body.toString('utf8', head + 10, body.indexOf('"', head + 10));
  const typeAt = body.indexOf('Content-Type: ', head);
  const start = body.indexOf('\r\n\r\n', head) + 4;
  const end = body.indexOf(`\r\n--${boundary[1] ?? boundary[2]}`, start);
  return { name, type: body.toString('utf8', typeAt + 14, body.indexOf('\r\n', typeAt)), bytes: body.subarray(start, end) };
}

beforeAll(async () => {
  site = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/apply') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(APPLY);
      return;
    }
    if (req.method === 'POST' && req.url === '/apply') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const part = filePart(Buffer.concat(chunks), req.headers['content-type'] ?? '');
        if (part) received.push(part);
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><p id="done">Received ${part ? `${part.name} (${part.bytes.length} bytes)` : 'no file'}</p>`);
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
});
afterAll(async () => {
  site?.closeAllConnections();
  await new Promise((resolve) => site?.close(resolve));
});

/** A small PDF-looking file per applicant (bytes no text decoding would keep). */
const cvOf = (name: string) => Buffer.concat([Buffer.from('%PDF-1.7\n%\u00e2\u00e3\n', 'latin1'), Buffer.from(`CV of ${name}\n`), Buffer.from([0, 0xff, 0x80])]);

describe('attach file in a flow', () => {
  test('a CV in base64 in each record reaches the site as that file, chosen through the page\'s own button', async () => {
    const flow = await createFlowViaApi(
      studio.url,
      'Apply with a CV',
      [
        { id: 'open', type: 'browser.open', params: { url: `${base}/apply` }, x: 300, y: 200 },
        { id: 'attach', type: 'browser.attach-file', params: { selectors: ['#pick'], fileName: 'cv-{{ name }}.pdf', content: '{{ cv }}' }, x: 600, y: 200 },
        { id: 'send', type: 'browser.click', params: { selectors: ['#send'], expectSelectors: ['#done'] }, x: 900, y: 200 },
      ],
      [
        ['trigger', 'out', 'open'],
        ['open', 'out', 'attach'],
        ['attach', 'out', 'send'],
      ],
      { concurrency: 2 },
    );
    const page = await studio.page();
    await page.goto(`${studio.url}/flows/${flow.id}`);
    await s.waitForCanvas(page);
    // The content is base64: said in the step's form.
    await s.selectNode(page, 'attach');
    await s.selectField(page, 'encoding', 'base64');
    await s.save(page);

    const people = ['ada', 'bob', 'chloé'];
    await s.startRun(page, JSON.stringify(people.map((name) => ({ name, cv: cvOf(name).toString('base64') }))));
    await s.waitForRunStatus(page, ['completed', 'failed'], 90_000);
    expect(await s.runStatus(page)).toBe('completed');
    expect(await s.counter(page, 'attach', 'success')).toBe(3);

    expect(received.map((r) => r.name).sort()).toEqual(people.map((n) => `cv-${n}.pdf`).sort());
    for (const r of received) {
      expect(r.type).toBe('application/pdf');
      expect(r.bytes.equals(cvOf(r.name.slice(3, -4))), r.name).toBe(true);
    }
    expect(studio.pageErrors).toEqual([]);
  });

  test('a file chosen in the step\'s form is kept by the studio and reaches the site for every record', async () => {
    const flow = await createFlowViaApi(
      studio.url,
      'Apply with the same CV',
      [
        { id: 'open', type: 'browser.open', params: { url: `${base}/apply` }, x: 300, y: 200 },
        { id: 'attach', type: 'browser.attach-file', params: { selectors: ['#pick'] }, x: 600, y: 200 },
        { id: 'send', type: 'browser.click', params: { selectors: ['#send'], expectSelectors: ['#done'] }, x: 900, y: 200 },
      ],
      [
        ['trigger', 'out', 'open'],
        ['open', 'out', 'attach'],
        ['attach', 'out', 'send'],
      ],
      { concurrency: 2 },
    );
    const cv = cvOf('the team');
    const page = await studio.page();
    await page.goto(`${studio.url}/flows/${flow.id}`);
    await s.waitForCanvas(page);
    await s.selectNode(page, 'attach');
    await s.selectField(page, 'encoding', 'chosen_file');
    // The operator's file window, answered as a person choosing "Team CV.pdf" on their computer.
    const chooser = page.waitForEvent('filechooser');
    await page.getByTestId('choose-file-file').click();
    await (await chooser).setFiles({ name: 'Team CV.pdf', mimeType: 'application/pdf', buffer: cv });
    await expect.poll(() => page.getByTestId('file-file').textContent()).toBe(`Team CV.pdf · ${cv.length} B`);

    // Another field edited while a file is still on its way to the studio keeps its edit when the
    // upload answers (the slow network held back here).
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await page.route('**/api/kept-files**', async (route) => {
      await held;
      await route.continue();
    });
    const again = page.waitForEvent('filechooser');
    await page.getByTestId('choose-file-file').click();
    await (await again).setFiles({ name: 'Team CV.pdf', mimeType: 'application/pdf', buffer: cv });
    await s.fillField(page, 'contentType', 'application/pdf');
    release();
    await page.waitForResponse((r) => r.url().includes('/api/kept-files'));
    await page.unroute('**/api/kept-files**');
    await expect.poll(() => s.fieldValue(page, 'contentType')).toBe('application/pdf');
    await s.save(page);
    const edited = (await (await fetch(`${studio.url}/api/flows/${flow.id}`)).json()) as { flow: { nodes: Array<{ id: string; params: { contentType?: string; file?: { name: string } } }> } };
    expect(edited.flow.nodes.find((n) => n.id === 'attach')?.params).toMatchObject({ contentType: 'application/pdf', file: { name: 'Team CV.pdf' } });
    // Kept in the flow: there after the studio is opened again.
    await page.reload();
    await s.waitForCanvas(page);
    await s.selectNode(page, 'attach');
    await expect.poll(() => page.getByTestId('file-file').textContent()).toContain('Team CV.pdf');

    received.length = 0;
    await s.startRun(page, JSON.stringify([{ who: 'ada' }, { who: 'bob' }]));
    await s.waitForRunStatus(page, ['completed', 'failed'], 90_000);
    expect(await s.runStatus(page)).toBe('completed');
    expect(received).toHaveLength(2);
    for (const r of received) {
      expect(r.name).toBe('Team CV.pdf');
      expect(r.type).toBe('application/pdf');
      expect(r.bytes.equals(cv)).toBe(true);
    }
    // The flow and the run name the file; the bytes are kept apart, and an export carries them.
    const sha256 = createHash('sha256').update(cv).digest('hex');
    const saved = await (await fetch(`${studio.url}/api/flows/${flow.id}`)).json();
    const param = saved.flow.nodes.find((n: { id: string }) => n.id === 'attach').params.file;
    expect(param).toEqual({ name: 'Team CV.pdf', type: 'application/pdf', size: cv.length, sha256 });
    const [last] = await (await fetch(`${studio.url}/api/runs?flowId=${flow.id}`)).json();
    const run = await (await fetch(`${studio.url}/api/runs/${last.id}`)).json();
    expect(run.flow.nodes.find((n: { id: string }) => n.id === 'attach').params.file).toEqual(param);
    const exported = await (await fetch(`${studio.url}/api/flows/${flow.id}/export`)).json();
    expect(Buffer.from(exported.nodes.find((n: { id: string }) => n.id === 'attach').params.file.base64, 'base64').equals(cv)).toBe(true);
    expect(studio.pageErrors).toEqual([]);
  });
});
