/**
 * The numbers of a mail's text that may be its one-time code, for the default code pattern
 * (default-code.ts): a number of 4 to 8 digits standing on its own (123456, G-123456, #123456,
 * "Code: 123456"), or a code written in groups, read as its digits joined (WhatsApp's and Signal's
 * 123-456, Microsoft's and many banks' 123 456, 1234 5678, 12 34 56 → 123456).
 *
 * Each number is read whole with what its digits are joined by (a space, - . , / :), so a piece of
 * a bigger number is never one: not the 2026 of a date (2026-12-06, 06.12.2026), the 0100 of a phone
 * number (+1 415 555 0100), the 1234 of an amount (1 234,56 €). Nor is a number with a currency
 * next to it, one after a + (a phone number) or a year after © (a footer).
 *
 * Groups are a code's only in the shapes codes are written in — two groups of 3 or of 4, or three of
 * 2 apart by spaces — with one joiner throughout, standing apart (a space or an opening mark before,
 * a space or a closing mark after). A phone number has more groups or groups of other sizes
 * (06 12 34 56 78, 555 0100, 0800 123 4567), a date or time other joiners or sizes, an amount a
 * currency or decimals, a year range (2020-2026) years; groups after # or a letter and hyphen are a
 * reference's (#1234-5678, INV-123-456). An order or reference number can look the same otherwise
 * (Order 123-456): a number after a word that labels it (order, invoice, account, phone,
 * Bestellnummer…) is `labelled`. The default pattern takes groups only where a word names them the
 * code, and never names a labelled number.
 */
export interface CodeNumber {
  start: number;
  end: number;
  /** The code as typed: its digits. */
  code: string;
  /** Written in groups (123 456). */
  grouped: boolean;
  /** Labelled as another number (Order 123-456, Tel. 1234 5678, Bestellnummer 10023). */
  labelled: boolean;
}

/** Digits, and the single characters that join a number's groups: spaces, hyphens and dashes, . , / : */
const NUMBER = /[0-9]+(?:[ \u00a0\u2009\u202f\-\u2010\u2011\u2013.,/:][0-9]+)*/g;
/** A letter of a script that writes words apart: Chinese, Japanese and Thai run words and numbers on ("验证码是483920"). */
const SPACED_LETTER = '(?:(?![\\p{sc=Han}\\p{sc=Hiragana}\\p{sc=Katakana}\\p{sc=Hangul}\\p{sc=Thai}])[\\p{L}\\p{M}])';
/** A letter or digit run on to the number: x4839, 4839th, A1234 (not a code of its own). */
const RUN_ON = new RegExp(`(?:${SPACED_LETTER}|[\\p{N}_])`, 'u');
const CURRENCY = '(?:\\p{Sc}|(?<!\\p{L})(?:EUR|USD|GBP|CHF|JPY|CNY|RUB|PLN|SEK|NOK|DKK|CZK|HUF|INR|BRL|CAD|AUD|TRY|RON|HKD|SGD|MXN|ZAR|kr|zł|Kč|Ft|lei|руб|грн)(?!\\p{L}))';
const CURRENCY_BEFORE = new RegExp(`${CURRENCY}\\s?$`, 'u');
const CURRENCY_AFTER = new RegExp(`^\\s?${CURRENCY}`, 'u');
const COPYRIGHT_BEFORE = /(?:©|\(c\)|copyright)\s*$/i;
/**
 * A number joined by a hyphen to a group of letters and digits is a piece of a code with letters
 * (ABCD-1234, 4F7A-1234, 4821-KQ7X), not a code of its own: its 1234 was taken. A group before it
 * that holds a digit, or of two or more capitals other than OTP, PIN or TAN ("OTP-483920"); any
 * group with a letter after it. A single letter before it is a prefix, not typed: G-123456 (Google).
 */
const TOKEN_BEFORE = /(?:(?<![\p{L}\p{N}])(?!(?:OTP|PIN|TAN)-)\p{Lu}{2,}|[\p{L}\p{N}]*\p{N}[\p{L}\p{N}]*)[-\u2010\u2011]$/u;
const TOKEN_AFTER = /^[-\u2010\u2011][\p{N}]*\p{L}/u;
/** What may stand right before and after a code written in groups: a space, an opening mark, a colon; a space, a closing mark, punctuation. */
const GROUPS_OPEN = /^$|[\s(\[{"'“‘«„*:：>]$/;
const GROUPS_CLOSE = /^$|^[\s)\]}"'”’»*.,;:!?<。，]/;
const SPACES = /^[ \u00a0\u2009\u202f]$/;
const HYPHENS = /^[\-\u2010\u2011\u2013]$/;
/** Digits that read as a year of these centuries (a year range, a year on its own). */
export const YEAR = /^(?:19|20)[0-9]{2}$/;
/**
 * Words that label a number as another one than a code, right before it on its line (with "number",
 * "No.", "#" or a colon between): order, invoice, account, customer, ticket, reference, booking, tracking,
 * phone, fax… and their German, French, Spanish, Italian, Dutch, Polish and Russian words, compounds
 * too (Bestellnummer, Kundennummer, Telefonnummer).
 */
const LABEL = new RegExp(
  '(?<!\\p{L})(?:order|bestell|auftrag|rechnung|invoice|factur|account|konto|kunde|customer|client|member|mitglied|ticket|case|ref|booking|buchung|reserv|transac|tracking|sendung|parcel|paket|shipment|phone|telefon|t[eé]l|fax|mobil|handy|hotline|call|commande|pedido|ordine|bestelling|zam[oó]wieni|заказ|телефон|iban|receipt|quittung|beleg|policy|vertrag|contract|contrat|dossier|vorgang|flight|flug|room|zimmer|seat|item|artikel|article|sku|serial|serien)\\p{L}*\\.?[^\\S\\r\\n]*(?:(?:number|no|nr|n°|nº|num|numéro|número|numero|nummer)\\.?[^\\S\\r\\n]*)?[:#]?[^\\S\\r\\n]*$',
  'iu',
);

/** The numbers in `text` that may be the code, in reading order. */
export function codeNumbers(text: string): CodeNumber[] {
  const found: CodeNumber[] = [];
  for (const m of text.matchAll(NUMBER)) {
    const start = m.index;
    const end = start + m[0].length;
    const before = text.slice(Math.max(0, start - 12), start);
    const after = text.slice(end, end + 12);
    if (RUN_ON.test(before.slice(-1)) || RUN_ON.test(after.slice(0, 1)) || before.endsWith('+')) continue;
    if (CURRENCY_BEFORE.test(before) || CURRENCY_AFTER.test(after) || COPYRIGHT_BEFORE.test(before)) continue;
    if (TOKEN_BEFORE.test(before) || TOKEN_AFTER.test(after)) continue;
    const plain = /^[0-9]{4,8}$/.test(m[0]);
    const code = plain ? m[0] : inGroups(m[0], before, after);
    if (code) found.push({ start, end, code, grouped: !plain, labelled: LABEL.test(text.slice(Math.max(0, start - 40), start)) });
  }
  return found;
}

/** The digits of a code written in groups, or null when `number` is not one. */
function inGroups(number: string, before: string, after: string): string | null {
  const groups = number.split(/[^0-9]/);
  const joiners = new Set(number.replace(/[0-9]/g, ''));
  if (joiners.size !== 1 || !GROUPS_OPEN.test(before) || !GROUPS_CLOSE.test(after)) return null;
  const joiner = [...joiners][0];
  const sizes = groups.map((g) => g.length).join(' ');
  const fits = sizes === '2 2 2' ? SPACES.test(joiner) : (sizes === '3 3' || sizes === '4 4') && (SPACES.test(joiner) || HYPHENS.test(joiner));
  const yearRange = sizes === '4 4' && HYPHENS.test(joiner) && groups.every((g) => YEAR.test(g));
  return fits && !yearRange ? groups.join('') : null;
}

/**
 * A code with letters — X7K9P2, AB12-CD34, ABCD-1234: capitals and digits, both, 4 to 16 of them,
 * in groups apart by hyphens. The default pattern does not take them (it reads numbers), but where a
 * word names one the code (default-code.ts) the mail's code is known to have letters: no other
 * number of the mail is taken instead, and the step's error shows it.
 */
const LETTERED = /(?<![\p{L}\p{N}_\-])[A-Z0-9]+(?:-[A-Z0-9]+)*(?![\p{L}\p{N}_]|-[\p{L}\p{N}])/gu;

/** The codes with letters in `text`, as CodeNumbers (never grouped nor labelled), in reading order. */
export function letteredCodes(text: string): CodeNumber[] {
  const found: CodeNumber[] = [];
  for (const m of text.matchAll(LETTERED)) {
    const chars = m[0].replace(/-/g, '');
    if (chars.length < 4 || chars.length > 16 || !/[0-9]/.test(chars) || !/[A-Z]/.test(chars)) continue;
    found.push({ start: m.index, end: m.index + m[0].length, code: m[0], grouped: false, labelled: false });
  }
  return found;
}
