import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { failureOf } from '../sdk/testing.ts';
import { servedPages, testPagesAndRecords } from './test-records.ts';
import { browserOpen } from './open.ts';
import { browserAttachFile } from './attach-file.ts';
import { browserExtract } from './extract.ts';
import { MAX_ATTACH_BYTES, fileAccepted, fileFromRecord } from './lib/attached-file.ts';

// The pages are served on 127.0.0.1: allowed explicitly, as an administrator would (CONVEYOR_ALLOW_HOSTS).
process.env.CONVEYOR_ALLOW_HOSTS = '127.0.0.1';

/** What the page got, written into #got when its field changes: name|size|type|the bytes in hex. */
const SHOW = `<p id="got"></p><script>
  const show = async (f) => {
    if (!f) return;
    const hex = [...new Uint8Array(await f.arrayBuffer())].map((b) => b.toString(16).padStart(2, '0')).join('');
    document.getElementById('got').textContent = [f.name, f.size, f.type, hex].join('|');
  };
</script>`;

const PAGES: Record<string, string> = {
  // A plain file field.
  plain: `<form><label>CV <input type="file" id="cv" name="cv" onchange="show(this.files[0])"></label></form>${SHOW}`,
  // The usual: the field hidden, a button of the page's own opens the file window.
  // (A hidden copy of the button, as a menu for small screens keeps, comes first.)
  styled: `<input type="file" id="hidden" style="display:none" onchange="show(this.files[0])"><nav style="display:none"><button type="button" class="pick">Choose a file</button></nav><button type="button" class="pick" id="pick" onclick="document.getElementById('hidden').click()">Choose a file</button>${SHOW}`,
  // An upload widget: takes the file as soon as it is chosen and empties the field for the next one.
  widget: `<input type="file" id="drop" onchange="show(this.files[0]); this.value = ''">${SHOW}`,
  // Only PDFs and pictures.
  accept: `<input type="file" id="scan" accept=".pdf, image/*" onchange="show(this.files[0])">${SHOW}`,
  // A page that puts another file in the field in answer to the choice.
  swap: `<input type="file" id="swap" onchange="if (this.files[0].name !== 'other.txt') { const dt = new DataTransfer(); dt.items.add(new File(['x'], 'other.txt')); this.files = dt.files; }">`,
  // A button that opens nothing.
  inert: `<button type="button" id="nothing">Choose a file</button>`,
  // An upload area that takes files only by drag and drop (no file field, no file window).
  drop: `<div id="zone" style="width:240px;height:120px;border:2px dashed">Drop your CV here</div><script>
    const zone = document.getElementById('zone');
    zone.addEventListener('dragover', (e) => { if ([...e.dataTransfer.types].includes('Files')) e.preventDefault(); });
    zone.addEventListener('drop', (e) => { e.preventDefault(); show(e.dataTransfer.files[0]); });
  </script>${SHOW}`,
  // One that lets files be dragged over it but does nothing with a drop.
  deaf: `<div id="deaf" style="width:240px;height:120px" ondragover="event.preventDefault()">Drop here</div>`,
};

const pages = testPagesAndRecords();
const site = servedPages(PAGES);

/** The bytes of a small PNG (a 1×1 picture), as an API would send them. */
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

describe('attach file (real Chromium)', () => {
  it('puts text from the record into a file field: the page reads the same name, bytes and type', async () => {
    const r = pages.record({ id: 7, notes: 'Müller, Köln – 5 €\nline 2' });
    try {
      await r.step(browserOpen, { url: `${site.base}/plain` });
      const done = await r.step(browserAttachFile, { selectors: ['#cv'], fileName: 'notes-{{ id }}.txt', content: '{{ notes }}', timeoutMs: 5_000 });
      expect(done.ctx.logs.map((l) => l.message)).toContain('Attached "notes-7.txt" (31 bytes, text/plain) to "#cv".');
      const got = (await r.step(browserExtract, { selectors: ['#got'], field: 'got', timeoutMs: 5_000 })).result.emit[0].data.got as string;
      expect(got).toBe(['notes-7.txt', 31, 'text/plain', Buffer.from('Müller, Köln – 5 €\nline 2', 'utf8').toString('hex')].join('|'));
    } finally {
      await r.done();
    }
  });

  it('decodes base64 bytes (a picture an API sent) and reaches a field hidden behind the page\'s own button', async () => {
    const r = pages.record({ photo: `data:image/png;base64,${PNG.toString('base64')}` });
    try {
      await r.step(browserOpen, { url: `${site.base}/styled` });
      await r.step(browserAttachFile, { selectors: ['button.pick'], fileName: 'photo.png', content: '{{ photo }}', encoding: 'base64', timeoutMs: 5_000 });
      const got = (await r.step(browserExtract, { selectors: ['#got'], field: 'got', timeoutMs: 5_000 })).result.emit[0].data.got;
      expect(got).toBe(`photo.png|${PNG.length}|image/png|${PNG.toString('hex')}`);
      // The hidden field itself is found too (no button needed).
      await r.step(browserAttachFile, { selectors: ['#hidden'], fileName: 'again.pdf', content: 'JVBERi0=', encoding: 'base64', timeoutMs: 5_000 });
      expect((await r.step(browserExtract, { selectors: ['#got'], field: 'got', timeoutMs: 5_000 })).result.emit[0].data.got).toBe('again.pdf|5|application/pdf|255044462d');
    } finally {
      await r.done();
    }
  });

  it('attaches the file chosen in the form for every record — read from the studio\'s kept files by its SHA-256 — under its own name and type or the File name given', async () => {
    const sha256 = createHash('sha256').update(PNG).digest('hex');
    const kept = new Map([[sha256, PNG]]);
    let reads = 0;
    const files = {
      read: async (sha: string) => {
        reads++;
        return kept.get(sha) ?? null;
      },
    };
    const chosen = { name: 'CV Ada.pdf', type: 'application/pdf', size: PNG.length, sha256 };
    const r = pages.record({ last: 'Lovelace' }, { files });
    try {
      await r.step(browserOpen, { url: `${site.base}/styled` });
      // The default File name ({{ fileName }}) finds no field in the record: the file keeps its own name.
      await r.step(browserAttachFile, { selectors: ['button.pick'], encoding: 'chosen_file', file: chosen, timeoutMs: 5_000 });
      expect((await r.step(browserExtract, { selectors: ['#got'], field: 'got', timeoutMs: 5_000 })).result.emit[0].data.got).toBe(`CV Ada.pdf|${PNG.length}|application/pdf|${PNG.toString('hex')}`);
      // Named from the record, typed by the new name's extension.
      await r.step(browserAttachFile, { selectors: ['#hidden'], fileName: 'cv-{{ last }}.png', encoding: 'chosen_file', file: chosen, timeoutMs: 5_000 });
      expect((await r.step(browserExtract, { selectors: ['#got'], field: 'got', timeoutMs: 5_000 })).result.emit[0].data.got).toBe(`cv-Lovelace.png|${PNG.length}|image/png|${PNG.toString('hex')}`);
      // Read from the studio once for the run, not once per attach.
      expect(reads).toBe(1);
      // A flow file run as it is (the CLI) carries the bytes in base64.
      await r.step(browserAttachFile, { selectors: ['#hidden'], encoding: 'chosen_file', file: { name: 'inline.txt', size: 2, base64: 'aGk=' }, timeoutMs: 5_000 });
      expect((await r.step(browserExtract, { selectors: ['#got'], field: 'got', timeoutMs: 5_000 })).result.emit[0].data.got).toBe('inline.txt|2|text/plain|6869');
      // None chosen, or one the studio does not keep: refused, naming the setting.
      const none = await failureOf(() => r.step(browserAttachFile, { selectors: ['#hidden'], encoding: 'chosen_file', timeoutMs: 5_000 }));
      expect(none).toMatchObject({ code: 'E_INPUT_INVALID', message: expect.stringContaining('No file is chosen in Chosen file') });
      const unknown = await failureOf(() => r.step(browserAttachFile, { selectors: ['#hidden'], encoding: 'chosen_file', file: { ...chosen, sha256: '0'.repeat(64) }, timeoutMs: 5_000 }));
      expect(unknown).toMatchObject({ code: 'E_INPUT_INVALID', message: expect.stringContaining('is not kept by this studio') });
    } finally {
      await r.done();
    }
  });

  it('drops the file onto an upload area that takes files only by drag and drop; one that ignores the drop fails E_VERIFY_FAILED', async () => {
    const r = pages.record({ cv: PNG.toString('base64') });
    try {
      await r.step(browserOpen, { url: `${site.base}/drop` });
      const done = await r.step(browserAttachFile, { selectors: ['#zone'], fileName: 'cv.png', content: '{{ cv }}', encoding: 'base64', timeoutMs: 5_000 });
      expect(done.ctx.logs.map((l) => l.message).join('\n')).toContain(`Dropped "cv.png" (${PNG.length} bytes, image/png) onto "#zone"; the page took the drop`);
      expect((await r.step(browserExtract, { selectors: ['#got'], field: 'got', timeoutMs: 5_000 })).result.emit[0].data.got).toBe(`cv.png|${PNG.length}|image/png|${PNG.toString('hex')}`);
      await r.step(browserOpen, { url: `${site.base}/deaf` });
      const ignored = await failureOf(() => r.step(browserAttachFile, { selectors: ['#deaf'], fileName: 'cv.png', content: '{{ cv }}', encoding: 'base64', timeoutMs: 5_000 }));
      expect(ignored).toMatchObject({ code: 'E_VERIFY_FAILED', message: expect.stringContaining('did not take the drop') });
      // Over what a drop can carry (32 MB): refused before anything is dropped, pointing at the file field.
      await r.step(browserOpen, { url: `${site.base}/drop` });
      const big = Buffer.alloc(33 * 1024 * 1024, 7).toString('base64');
      const tooLarge = await failureOf(() => r.step(browserAttachFile, { selectors: ['#zone'], fileName: 'scan.pdf', content: big, encoding: 'base64', timeoutMs: 5_000 }));
      expect(tooLarge).toMatchObject({ code: 'E_INPUT_INVALID', message: expect.stringContaining('larger than the 32 MB a file dropped can be'), hint: expect.stringContaining('file field') });
      expect((await r.step(browserExtract, { selectors: ['#got'], field: 'got', timeoutMs: 5_000 })).result.emit[0].data.got).toBe('');
    } finally {
      await r.done();
    }
  });

  it('a page that takes the file and empties its field is not a failure: the log says so', async () => {
    const r = pages.record({ csv: 'a,b\n1,2\n' });
    try {
      await r.step(browserOpen, { url: `${site.base}/widget` });
      const done = await r.step(browserAttachFile, { selectors: ['#drop'], fileName: 'rows.csv', content: '{{ csv }}', timeoutMs: 5_000 });
      expect(done.ctx.logs.map((l) => l.message).join('\n')).toContain('the page took it and emptied the field');
      expect((await r.step(browserExtract, { selectors: ['#got'], field: 'got', timeoutMs: 5_000 })).result.emit[0].data.got).toMatch(/^rows\.csv\|8\|text\/csv\|/);
    } finally {
      await r.done();
    }
  });

  it('refuses what cannot be attached, saying why, and attaches nothing', async () => {
    const r = pages.record({ bad: 'not base64!', empty: '' });
    try {
      await r.step(browserOpen, { url: `${site.base}/accept` });
      const kind = await failureOf(() => r.step(browserAttachFile, { selectors: ['#scan'], fileName: 'notes.txt', content: 'hello', timeoutMs: 2_000 }));
      expect(kind).toMatchObject({ code: 'E_INPUT_INVALID' });
      expect(kind.message).toBe('The file field found with "#scan" takes only .pdf, image/* (its accept attribute); "notes.txt" (text/plain) is none of them, so it was not attached.');
      const base64 = await failureOf(() => r.step(browserAttachFile, { selectors: ['#scan'], fileName: 'scan.pdf', content: '{{ bad }}', encoding: 'base64', timeoutMs: 2_000 }));
      expect(base64).toMatchObject({ code: 'E_INPUT_INVALID' });
      expect(base64.message).toContain('The content is not base64 (it holds "!" at character 11)');
      const name = await failureOf(() => r.step(browserAttachFile, { selectors: ['#scan'], fileName: '{{ empty }}', content: 'x', timeoutMs: 2_000 }));
      expect(name.message).toBe('The file name is empty, so no file was attached.');
      // Nothing reached the page.
      expect((await r.step(browserExtract, { selectors: ['#got'], what: 'text', field: 'got', timeoutMs: 2_000 })).result.emit[0].data.got).toBe('');
      // A kind the field takes is attached.
      await r.step(browserAttachFile, { selectors: ['#scan'], fileName: 'scan.PDF', content: 'JVBERi0=', encoding: 'base64', timeoutMs: 2_000 });
      expect((await r.step(browserExtract, { selectors: ['#got'], field: 'got', timeoutMs: 5_000 })).result.emit[0].data.got).toMatch(/^scan\.PDF\|5\|application\/pdf\|/);

      await r.step(browserOpen, { url: `${site.base}/swap` });
      const swapped = await failureOf(() => r.step(browserAttachFile, { selectors: ['#swap'], fileName: 'mine.txt', content: 'abc', timeoutMs: 2_000 }));
      expect(swapped).toMatchObject({ code: 'E_VERIFY_FAILED' });
      expect(swapped.message).toBe('After attaching "mine.txt" (3 bytes) to the field found with "#swap", expected it to hold that file; it holds "other.txt" (1 byte).');

      await r.step(browserOpen, { url: `${site.base}/inert` });
      const inert = await failureOf(() => r.step(browserAttachFile, { selectors: ['#nothing'], fileName: 'a.txt', content: 'x', timeoutMs: 1_000 }));
      expect(inert).toMatchObject({ code: 'E_ELEMENT_NOT_USABLE' });
      expect(inert.message).toBe('The element found with "#nothing" is not a file field, and clicking it opened no file window within the time limit.');
    } finally {
      await r.done();
    }
  });
});

describe('the file made from the record', () => {
  it('names, decodes and types it; refuses names that read as folders, broken base64 and bad types', () => {
    expect(fileFromRecord(' cv.docx ', 'x', 'text', '')).toMatchObject({ name: 'cv.docx', type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' });
    expect(fileFromRecord('blob', 'x', 'text', '').type).toBe('application/octet-stream');
    expect(fileFromRecord('a.bin', 'x', 'text', 'application/x-thing').type).toBe('application/x-thing');
    // URL-safe, unpadded, broken across lines: the same bytes.
    expect(fileFromRecord('a.bin', '-_8\n', 'base64', '').bytes).toEqual(Buffer.from([0xfb, 0xff]));
    for (const bad of ['../etc/passwd', 'a/b.txt', 'a\\b.txt', '..', 'a\u0000.txt']) expect(() => fileFromRecord(bad, 'x', 'text', '')).toThrow(/not a plain file name/);
    expect(() => fileFromRecord('a.bin', 'QUJD=A', 'base64', '')).toThrow(/not base64/);
    expect(() => fileFromRecord('a.bin', 'QUJDR', 'base64', '')).toThrow(/length or padding/);
    expect(() => fileFromRecord('a.bin', 'x', 'text', 'pdf')).toThrow(/not a media type/);
    expect(() => fileFromRecord('big.txt', 'x'.repeat(MAX_ATTACH_BYTES + 1), 'text', '')).toThrow(/would hold 52428801 bytes; a file attached can hold at most 50 MB/);
    expect(fileFromRecord('max.txt', 'x'.repeat(MAX_ATTACH_BYTES), 'text', '').bytes.length).toBe(MAX_ATTACH_BYTES);
  });

  it('reads accept as browsers do: extensions in any case, exact types and type families', () => {
    const pdf = { name: 'Scan.PDF', type: 'application/pdf' };
    expect(fileAccepted('', pdf)).toBe(true);
    expect(fileAccepted('.pdf', pdf)).toBe(true);
    expect(fileAccepted('image/*,application/pdf', pdf)).toBe(true);
    expect(fileAccepted('image/*', pdf)).toBe(false);
    expect(fileAccepted('.doc,.docx', pdf)).toBe(false);
    expect(fileAccepted('image/*', { name: 'a.png', type: 'image/png' })).toBe(true);
  });
});
