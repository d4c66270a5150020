import type { Json } from '../../nodes/sdk/types.ts';
import { bodyEncoding, declaredCharset, decodeWhole, encodingNamed, firstBadUtf8 } from '../../nodes/sdk/text-body.ts';
import { ConveyorError } from '../errors.ts';
import { parseJsonExact } from '../contract/json-exact.ts';
import { jsonErrorWhere } from '../contract/json-where.ts';
import { formFieldBytes } from './form-fields.ts';

/**
 * A hook request's body as the record's `body`: JSON (when sent as JSON, or when an untyped body
 * looks like it), form fields, or plain text. Parsed only after the signature held over the raw bytes.
 *
 * Read in the charset the Content-Type names (a byte-order mark wins; none: UTF-8), form fields'
 * %-escapes too: read as UTF-8 whatever was declared, a Windows-1252 form's "Müller" became
 * "M\uFFFDller" in the record. A charset Conveyor does not know, or bytes that are not text in the
 * body's charset, refuse the request: nothing runs, rather than a record with letters replaced.
 */
export function parseHookBody(raw: Buffer, contentType: string | string[] | undefined): Json {
  const header = (Array.isArray(contentType) ? contentType[0] : contentType) ?? '';
  const type = header.split(';')[0].trim().toLowerCase();
  if (raw.length === 0) return null;
  const declared = declaredCharset(header);
  if (declared !== undefined && !encodingNamed(declared)) {
    throw new ConveyorError(
      'E_HOOK_CHARSET',
      `The request says its body is in the character set "${declared}", which Conveyor does not know. Nothing was run.`,
      'Send the body as UTF-8 (charset=utf-8), or name its character set as the WHATWG Encoding standard does (e.g. windows-1252, iso-8859-1, shift_jis).',
      415,
    );
  }
  const { encoding, bom } = bodyEncoding(raw, header);
  const bytes = raw.subarray(bom);
  if (type === 'application/x-www-form-urlencoded') return formBody(bytes, encoding);
  const text = decoded(bytes, encoding, 'The request body');
  const json = type === 'application/json' || type.endsWith('+json') || (type === '' && /^\s*[[{]/.test(text));
  if (!json) return text;
  try {
    // Integers too long for a number (ids of 17+ digits) are kept as text, digit for digit.
    return parseJsonExact(text).value as Json;
  } catch (err) {
    throw new ConveyorError(
      'E_HOOK_BODY_INVALID',
      `The request body is not valid JSON${jsonErrorWhere((err as Error).message, text)}. Nothing was run.`,
      'Send a valid JSON body with Content-Type: application/json (or another content type for text).',
      400,
    );
  }
}

/** Form fields, each name and value (their %-escapes too) decoded in the body's charset; the last of a repeated name wins. */
function formBody(bytes: Uint8Array, encoding: string): Json {
  if (encoding === 'utf-16le' || encoding === 'utf-16be') {
    throw new ConveyorError(
      'E_HOOK_CHARSET',
      'The request says its form body is UTF-16, in which a form cannot be written (its "&" and "=" are not single bytes). Nothing was run.',
      'Send the form as UTF-8 (charset=utf-8) or in a one-byte character set such as windows-1252.',
      415,
    );
  }
  const fields: { [key: string]: Json } = {};
  for (const [name, value] of formFieldBytes(bytes)) {
    const key = decoded(name, encoding, 'A form field name');
    fields[key] = decoded(value, encoding, `Form field "${key}"`);
  }
  return fields;
}

/** `bytes` as `encoding` text, or E_HOOK_BODY_ENCODING naming `what` and (UTF-8) the first byte that is not. */
function decoded(bytes: Uint8Array, encoding: string, what: string): string {
  try {
    return decodeWhole(bytes, encoding, true);
  } catch {
    const at = encoding === 'utf-8' ? firstBadUtf8(bytes) : -1;
    const where = at >= 0 ? `: byte ${at + 1} is 0x${bytes[at].toString(16).toUpperCase().padStart(2, '0')}` : '';
    throw new ConveyorError(
      'E_HOOK_BODY_ENCODING',
      `${what} is not ${encoding} text${where}. Nothing was run.`,
      encoding === 'utf-8'
        ? 'If the sender writes another character set (Windows-1252, ISO-8859-1…), it must name it in Content-Type (e.g. "application/x-www-form-urlencoded; charset=windows-1252"); else it must send UTF-8.'
        : `Name the character set the sender really writes in Content-Type (charset=…), or send UTF-8.`,
      400,
    );
  }
}
