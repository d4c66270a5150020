/**
 * A mail's digits as the ones a code is typed with (0–9). Japanese and Chinese mails write numbers
 * in full-width digits (確認コード：４８２９１３), Arabic and Persian ones in their own (٤٨٢٩١٣),
 * Hindi ones in Devanagari…: the code pattern (\d, [0-9]) saw no number there — E_MAIL_NO_CODE — and
 * a code read from them would be typed into a form as characters it may refuse. A reader takes them
 * for the digits they are: each decimal digit of any script (Unicode Nd) becomes its ASCII digit.
 * Other characters that show a number (①, ², Ⅳ) are no decimal digits and stay as they are.
 */
const DECIMAL = /(?![0-9])\p{Nd}/gu;
const IS_DECIMAL = /^\p{Nd}$/u;

/** Each digit's value once found (a mail of many full-width digits looks each up once). */
const values = new Map<string, string>();

/** `text` with every decimal digit written 0–9. */
export function asciiDigits(text: string): string {
  return text.replace(DECIMAL, (digit) => {
    let value = values.get(digit);
    if (value === undefined) values.set(digit, (value = String(digitValue(digit.codePointAt(0)!))));
    return value;
  });
}

/**
 * Unicode encodes each script's decimal digits as a run of ten, zero first (some runs side by side,
 * as the mathematical digits): the value is the count of digits before it in its run, modulo ten.
 */
function digitValue(codePoint: number): number {
  let below = 0;
  while (below < 50 && IS_DECIMAL.test(String.fromCodePoint(codePoint - below - 1))) below++;
  return below % 10;
}
