import type { Request } from 'express';
import { ConveyorError } from '../errors.ts';

/**
 * The file's own name from an upload's `?name=` — the last part of a path as a browser or a script
 * may send it (`C:\Users\ada\people.csv`, `../people.csv` → `people.csv`). A name that is none
 * (empty, `.`, `..`) or holds a control character (a line break, NUL) is refused with 400
 * E_BODY_INVALID and the body left unread: the name is shown in messages, reports and the studio.
 */
export function ownFileName(req: Request, raw: string): string {
  const name = raw.replace(/\\/g, '/').split('/').pop() ?? '';
  if (name === '' || name === '.' || name === '..' || /[\u0000-\u001f\u007f]/.test(name)) {
    req.resume();
    throw new ConveyorError('E_BODY_INVALID', `${JSON.stringify(raw.slice(0, 100))} is not a file name.`, "Give the file's own name, e.g. ?name=people.csv.", 400);
  }
  return name;
}
