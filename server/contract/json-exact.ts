/**
 * JSON parsed without altering a number: an integer beyond what a JavaScript number holds exactly
 * (more than 2^53 − 1, about 16 digits: order numbers, Twitter/Discord ids, card-like references) is
 * kept as a string of its exact digits instead of being rounded. `JSON.parse` turned the id
 * 1234567890123456789 into 1234567890123456800 with nothing said, and the next step sent that on.
 *
 * Text without a run of 16 digits outside strings — nearly every body — is parsed by `JSON.parse`
 * alone; otherwise one pass over the text quotes each such integer first. Decimals are left to
 * `JSON.parse` (0.1 is not exact in any binary number; an integer is).
 */

/** A parsed value, and the integers too large for a number that it holds as text. */
export interface ExactJson {
  value: unknown;
  /** Integers kept as strings, in order (their digits as sent). */
  keptAsText: string[];
}

const LONG_DIGITS = /\d{16}/;

/**
 * Whether JSON bytes may hold an integer too long for a number (a run of 16 ASCII digits, in a string
 * or not): the bytes scanned as they are, no text made of them (an API body may be 20 MB).
 */
export function mayHoldLongIntegers(bytes: Uint8Array): boolean {
  let run = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b >= 48 && b <= 57) {
      if (++run >= 16) return true;
    } else run = 0;
  }
  return false;
}

export function parseJsonExact(text: string): ExactJson {
  if (!LONG_DIGITS.test(text)) return { value: JSON.parse(text), keptAsText: [] };
  const keptAsText: string[] = [];
  let out = '';
  let from = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      // Skip the string, escapes included.
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i++;
        else if (d === 34) break;
      }
      continue;
    }
    if (c !== 45 /* - */ && (c < 48 || c > 57)) continue;
    // A number token: [-]digits[.digits][e[+-]digits]
    const start = i;
    if (c === 45) i++;
    const digitsFrom = i;
    while (i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
    const digitsTo = i;
    const next = i < n ? text.charCodeAt(i) : 0;
    const integer = next !== 46 /* . */ && next !== 101 /* e */ && next !== 69; /* E */
    // Past the rest of a decimal or exponent: nothing there to keep.
    while (i < n && /[0-9.eE+-]/.test(text[i])) i++;
    i--;
    if (!integer || digitsTo - digitsFrom < 16) continue;
    const token = text.slice(start, digitsTo);
    if (Number.isSafeInteger(Number(token))) continue;
    keptAsText.push(token);
    out += `${text.slice(from, start)}"${token}"`;
    from = digitsTo;
  }
  if (keptAsText.length === 0) return { value: JSON.parse(text), keptAsText };
  try {
    return { value: JSON.parse(out + text.slice(from)), keptAsText };
  } catch (err) {
    // Not JSON: the error as the text itself gives it (its positions are the text's own).
    JSON.parse(text);
    throw err;
  }
}
