import { z } from 'zod';
import type { ElementHandle, FileChooser, Locator, Page } from 'playwright-core';
import { out } from '../sdk/define-node.ts';
import type { NodeContext } from '../sdk/types.ts';
import { NodeError } from '../../server/contract/node-error.ts';
import { renderTemplate } from '../../server/contract/expression/template.ts';
import { remaining } from './lib/session.ts';
import { defineBrowserStep } from './lib/define-step.ts';
import { findElement, renderSelectors, selectorsParam } from './lib/selectors.ts';
import { timeoutParam } from './lib/params.ts';
import { notUsable } from './lib/action.ts';
import { fileAccepted, fileFromFlow, fileFromRecord, type FileToAttach } from './lib/attached-file.ts';
import { dropFile, MAX_DROP_BYTES } from './lib/drop-file.ts';
import { keptFileBytes, keptFileParam } from '../sdk/kept-file.ts';

/**
 * Puts a file into a page's file field (`<input type="file">`), as a person choosing it in the
 * browser's file window does — a CV on a job application, a document on a claim form. The file is
 * made from the record (its text, or base64 as APIs send files), never read from the studio's disk:
 * a record cannot name a file of the server. A field the page hides behind its own "Choose file"
 * button is reached by clicking that button (the browser's file window is answered, never shown); an
 * upload area that takes files only dragged onto it gets the file dropped there.
 * Or the file is one the flow's author chose in the step's form (a CV every application sends): the
 * studio keeps it apart by its SHA-256 (nodes/sdk/kept-file.ts).
 */
const params = z.object({
  selectors: selectorsParam(
    ['input[type="file"]'],
    'File field',
    'The file field (input type="file"), even a hidden one, or the button or area the page shows to choose a file (its click opens the file window), or an area that takes files dropped onto it.',
  ),
  fileName: z
    .string()
    .default('{{ fileName }}')
    .describe('The name the site sees for the file, e.g. cv-{{ lastName }}.pdf. Its extension tells the file\'s kind, unless Content type says it. With a chosen file: empty (or a record field that is empty) keeps the file\'s own name.')
    .meta({ title: 'File name', widget: 'template' }),
  content: z
    .string()
    .default('{{ content }}')
    .describe('What the file holds: usually a record field, e.g. {{ cvBase64 }} (a file an API sent as base64) or {{ notes }} (text).')
    .meta({ title: 'Content', widget: 'template' }),
  encoding: z
    .enum(['text', 'base64', 'chosen_file'])
    .default('text')
    .describe('text: the content is the file\'s text, written as UTF-8. base64: the content is the file\'s bytes in base64 (standard or URL-safe), as APIs send PDFs and pictures. chosen file: the file chosen below, the same for every record (Content is not used).')
    .meta({ title: 'Content is' }),
  file: keptFileParam(
    'Chosen file',
    'A file from your computer (up to 10 MB), kept by the studio with the flow: attached for every record when Content is set to chosen file. An exported flow carries it.',
  ),
  contentType: z
    .string()
    .trim()
    .default('')
    .describe('The file\'s media type, e.g. application/pdf. Empty: from the file name\'s extension (.pdf, .png, .csv, .docx…), else application/octet-stream.')
    .meta({ title: 'Content type' }),
  timeoutMs: timeoutParam('for the file field (and for the file window its button opens)'),
});

export const browserAttachFile = defineBrowserStep({
  type: 'browser.attach-file',
  title: 'Browser: attach file',
  description: 'Puts a file into a file field of the open page — made from the record (text, or base64 bytes), or a file chosen in this form — then checks the field holds it.',
  icon: 'paperclip',
  params,
  // Choosing the file again replaces it: nothing is sent until a later step submits the form.
  effect: 'idempotent',
  async act(ctx, page, p) {
    const name = await renderTemplate(p.fileName, ctx.input, 'the file name');
    const file =
      p.encoding === 'chosen_file'
        ? fileFromFlow(await keptFileBytes(p.file, ctx, 'Chosen file'), name, p.contentType)
        : fileFromRecord(name, await renderTemplate(p.content, ctx.input, 'the content'), p.encoding, p.contentType);
    // A file field is usually hidden under the page's own button: found whether shown or not.
    const selectors = await renderSelectors(p.selectors, ctx.input);
    const deadline = Date.now() + p.timeoutMs;
    let { locator, selector } = await findElement(ctx, page, selectors, { deadline, timeoutMs: p.timeoutMs, state: 'attached' });
    const isField = await isFileField(locator);
    if (!isField && !(await locator.isVisible())) {
      // A button to click, whose hidden copy (a menu for small screens) came first: the shown one.
      ({ locator, selector } = await findElement(ctx, page, selectors, { deadline, timeoutMs: p.timeoutMs, state: 'visible' }));
    }
    if (!isField && (await droppedOnto(ctx, locator, selector, file, deadline))) return out(ctx.input);
    const field = isField ? await locator.elementHandle({ timeout: remaining(deadline) }) : await chooserField(page, locator, selector, deadline);
    try {
      await refuseUnaccepted(field, selector, file);
      try {
        await field.setInputFiles({ name: file.name, mimeType: file.type, buffer: file.bytes }, { timeout: remaining(deadline) });
      } catch (err) {
        if (page.isClosed()) throw err;
        throw notUsable('attach a file to', selector, err);
      }
      await checkHeld(ctx, field, selector, file);
    } finally {
      await field.dispose().catch(() => undefined);
    }
    return out(ctx.input);
  },
});

const bytes = (n: number): string => `${n} byte${n === 1 ? '' : 's'}`;

/** Whether the element is a file field itself. */
function isFileField(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => el instanceof HTMLInputElement && el.type === 'file');
}

/**
 * An upload area the page takes files dropped onto (drop-file.ts): the file dropped there, and the
 * page's taking the drop is its sign (it empties nothing to check). False when the element takes no
 * drops: then it is clicked for the file window.
 */
async function droppedOnto(ctx: Pick<NodeContext<unknown>, 'log'>, target: Locator, selector: string, file: FileToAttach, deadline: number): Promise<boolean> {
  const result = await dropFile(target, file, remaining(deadline));
  if (result === 'not-a-drop-area') return false;
  if (result === 'too-large') {
    throw new NodeError(
      'E_INPUT_INVALID',
      `The element found with ${JSON.stringify(selector)} takes files dropped onto it; ${JSON.stringify(file.name)} (${bytes(file.bytes.length)}) is larger than the ${MAX_DROP_BYTES / 1024 / 1024} MB a file dropped can be, so it was not dropped.`,
      'Attach a smaller file, or point the selector at the area\'s file field (input[type="file"], hidden ones are found too), which takes up to 50 MB.',
    );
  }
  if (result === 'ignored') {
    throw new NodeError(
      'E_VERIFY_FAILED',
      `${JSON.stringify(file.name)} was dropped onto the element found with ${JSON.stringify(selector)}, which let files be dragged over it but did not take the drop.`,
      'Point the selector at the upload area itself (the element that says "drop here") or at its file field; the failure screenshot shows the page.',
    );
  }
  ctx.log.debug(`Dropped ${JSON.stringify(file.name)} (${bytes(file.bytes.length)}, ${file.type}) onto ${JSON.stringify(selector)}; the page took the drop: check its own sign of the file with a Verify step.`);
  return true;
}

/** The file field behind a button of the page: its click opens the browser's file window, answered here. */
async function chooserField(page: Page, button: Locator, selector: string, deadline: number): Promise<ElementHandle> {
  const chooser = page.waitForEvent('filechooser', { timeout: remaining(deadline) });
  // Not left unhandled should the click fail first.
  chooser.catch(() => undefined);
  try {
    await button.click({ timeout: remaining(deadline) });
  } catch (err) {
    if (page.isClosed()) throw err;
    throw notUsable('click (to choose a file)', selector, err);
  }
  let opened: FileChooser;
  try {
    opened = await chooser;
  } catch (err) {
    if (page.isClosed()) throw err;
    throw new NodeError(
      'E_ELEMENT_NOT_USABLE',
      `The element found with ${JSON.stringify(selector)} is not a file field, and clicking it opened no file window within the time limit.`,
      'Point the selector at the file field itself (input[type="file"], hidden ones are found too) or at the button the page shows to choose a file; the failure screenshot shows the page.',
      { cause: err },
    );
  }
  return opened.element();
}

/** A field whose `accept` names kinds of files: a file of none of them is refused before it is attached. */
async function refuseUnaccepted(field: ElementHandle, selector: string, file: FileToAttach): Promise<void> {
  const accept = await field.evaluate((el) => (el as HTMLInputElement).accept ?? '');
  if (fileAccepted(accept, file)) return;
  throw new NodeError(
    'E_INPUT_INVALID',
    `The file field found with ${JSON.stringify(selector)} takes only ${accept.trim()} (its accept attribute); ${JSON.stringify(file.name)} (${file.type}) is none of them, so it was not attached.`,
    'Give a file of a kind the field takes: check the record\'s file, the File name\'s extension and the Content type setting.',
  );
}

/**
 * The verification signal: the field holds the file — its name and size. A page that takes the
 * file as soon as it is chosen (an upload widget: it reads it, sends it and empties the field for
 * the next one) leaves the field empty: said in the log, the page's own sign is for a Verify step.
 */
async function checkHeld(ctx: Pick<NodeContext<unknown>, 'log'>, field: ElementHandle, selector: string, file: FileToAttach): Promise<void> {
  const held = await field.evaluate((el) => (el instanceof HTMLInputElement && el.isConnected && el.files ? [...el.files].map((f) => ({ name: f.name, size: f.size })) : null)).catch(() => null);
  const size = bytes(file.bytes.length);
  if (held === null || held.length === 0) {
    ctx.log.debug(`Attached ${JSON.stringify(file.name)} (${size}) to ${JSON.stringify(selector)}; the page took it and emptied the field (an upload widget does): check its own sign of the file with a Verify step.`);
    return;
  }
  if (!held.some((f) => f.name === file.name && f.size === file.bytes.length)) {
    throw new NodeError(
      'E_VERIFY_FAILED',
      `After attaching ${JSON.stringify(file.name)} (${size}) to the field found with ${JSON.stringify(selector)}, expected it to hold that file; it holds ${held.map((f) => `${JSON.stringify(f.name)} (${bytes(f.size)})`).join(', ')}.`,
      'The page replaced the file (a script reacting to the choice): look at the failure screenshot.',
    );
  }
  ctx.log.debug(`Attached ${JSON.stringify(file.name)} (${size}, ${file.type}) to ${JSON.stringify(selector)}.`);
}
