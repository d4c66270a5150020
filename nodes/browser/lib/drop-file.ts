import type { Locator } from 'playwright-core';
import type { FileToAttach } from './attached-file.ts';

/**
 * The largest file dropped onto a page's drop area: its bytes travel to the page as base64 in one
 * message (Playwright's limit is 50 MB, base64 a third more than the bytes).
 */
export const MAX_DROP_BYTES = 32 * 1024 * 1024;

/**
 * Drops the file onto the element as a person dragging it from their desktop does (dragenter,
 * dragover, drop, the file in the event's DataTransfer) — for upload areas that take files only by
 * drag and drop ("Drop your CV here"), with no file field to fill and no file window to open.
 *
 * An element takes drops only when the page cancels its `dragover` (the browser's rule: otherwise the
 * drop never reaches the page). That is asked first, with an empty file of the same name and type
 * (pages check that files are dragged), so an element that is no drop area gets no bytes and no drop:
 * 'not-a-drop-area', for the caller to try a click instead. A drop the page cancels too is taken
 * ('dropped'); one it leaves alone was not handled ('ignored'): the browser would have opened the
 * file instead.
 */
export async function dropFile(target: Locator, file: FileToAttach, timeout: number): Promise<'dropped' | 'ignored' | 'not-a-drop-area' | 'too-large'> {
  const probe = { name: file.name, type: file.type, base64: '' };
  const takes = await target.evaluate(dragOnto, { file: probe, drop: false }, { timeout });
  if (takes !== 'over') return 'not-a-drop-area';
  if (file.bytes.length > MAX_DROP_BYTES) return 'too-large';
  const result = await target.evaluate(dragOnto, { file: { name: file.name, type: file.type, base64: file.bytes.toString('base64') }, drop: true }, { timeout });
  return result === 'dropped' ? 'dropped' : 'ignored';
}

/** Runs in the page: drags the file over `el` and, with `drop`, drops it there. */
function dragOnto(el: Element, { file, drop }: { file: { name: string; type: string; base64: string }; drop: boolean }): 'over' | 'not-over' | 'dropped' | 'ignored' {
  const text = atob(file.base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  const data = new DataTransfer();
  data.items.add(new File([bytes], file.name, { type: file.type }));
  const event = (type: string) => new DragEvent(type, { bubbles: true, cancelable: true, composed: true, dataTransfer: data });
  el.dispatchEvent(event('dragenter'));
  const over = !el.dispatchEvent(event('dragover'));
  if (!drop || !over) {
    el.dispatchEvent(event('dragleave'));
    return over ? 'over' : 'not-over';
  }
  return el.dispatchEvent(event('drop')) ? 'ignored' : 'dropped';
}
