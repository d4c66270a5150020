import type { Json } from '../../nodes/sdk/types.ts';
import { ConveyorError } from '../errors.ts';
import { parseJsonExact } from '../contract/json-exact.ts';

/**
 * A hook request's body as the record's `body`: JSON (when sent as JSON, or when an untyped body
 * looks like it), form fields, or plain text. Parsed only after the signature held over the raw bytes.
 */
export function parseHookBody(raw: Buffer, contentType: string | string[] | undefined): Json {
  const type = (Array.isArray(contentType) ? contentType[0] : contentType ?? '').split(';')[0].trim().toLowerCase();
  if (raw.length === 0) return null;
  const text = raw.toString('utf8');
  if (type === 'application/x-www-form-urlencoded') {
    const fields: { [key: string]: Json } = {};
    for (const [key, value] of new URLSearchParams(text)) fields[key] = value;
    return fields;
  }
  const json = type === 'application/json' || type.endsWith('+json') || (type === '' && /^\s*[[{]/.test(text));
  if (!json) return text;
  try {
    // Integers too long for a number (ids of 17+ digits) are kept as text, digit for digit.
    return parseJsonExact(text).value as Json;
  } catch (err) {
    throw new ConveyorError(
      'E_HOOK_BODY_INVALID',
      `The request body is not valid JSON: ${(err as Error).message}. Nothing was run.`,
      'Send a valid JSON body with Content-Type: application/json (or another content type for text).',
      400,
    );
  }
}
