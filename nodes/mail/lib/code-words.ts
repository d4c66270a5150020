/**
 * Where a mail names its one-time code: "code", "verification", "OTP", "PIN", "TAN", "passcode",
 * "one-time" and their common translations (Bestätigungscode, código, codice, kod, koodi, код,
 * κωδικός, 验证码, 認証コード, 인증번호…). The default code pattern prefers a number next to one of
 * these (default-code.ts): a mail's first number is often an order number, a postcode or a year.
 *
 * Words built on "code" that name other numbers are not among them — postcode, barcode, promo or
 * discount code, country or area code, error code, code postal, código postal… — so "10115" in
 * "postcode 10115" is never taken for the code because of the word.
 */

const L = '[\\p{L}\\p{M}]';

/**
 * "code" alone or ending a compound (passcode, Sicherheitscode, engångskod, vahvistuskoodi), with the
 * endings languages give it (codes, koden, kodu, kodunuz, código, codice, codul, kódja, kody), and its
 * Cyrillic and Greek forms. Group 1: the compound's first part, checked against NOT_CODE_COMPOUND.
 */
const CODE = `(?<!${L})(${L}*?)(?:[ck](?:oo|o|ó)d(?:e[ns]?|es|et|s|u|un|unuz|um|a|as|i|isi|ul|ului|em|od|ja|igo|ice|y)?|код(?:а|у|ом|е|ы)?|κωδικ${L}{0,3})(?!${L})`;

/** Other words for the code: verification (vérification, verificación, Verifizierung, weryfikacja), one-time, and in scripts without spaces. */
const OTHER = [
  `(?<!${L})(?:v[eé]rif|weryfik)${L}*`,
  `(?<!${L})(?:one[- ]?time|einmal|eenmalig|engångs|engangs|kertakäyttö|jednorazow|одноразов)${L}*`,
  '验证码|驗證碼|校验码|校驗碼|确认码|確認碼|认证码|認證碼|动态码|動態碼|安全码|安全碼|一次性|コード|認証番号|確認番号|暗証番号|ワンタイム|인증\\s?번호|인증\\s?코드|확인\\s?코드|보안\\s?코드|코드|일회용|รหัส|رمز|كود|קוד|कोड|ओटीपी',
];

/** Acronyms, in capitals only (a "pin" or a "tan" in lower case is something else): OTP, PIN, TAN and the banks' mTAN, pushTAN, smsTAN… */
const ACRONYM = `(?<!${L})(?:OTP|PIN|[a-z]*TAN)(?!${L})`;

const WORDS = new RegExp(`${CODE}|${OTHER.join('|')}`, 'giu');
const ACRONYMS = new RegExp(ACRONYM, 'gu');

/** First parts of compounds on "code" that name something else: Postcode, Barcode, Gutscheincode, Fehlercode, Unicode, decode, Skoda… */
const NOT_CODE_COMPOUND =
  /^(?:post|zip|bar|uni|en|de|geo|op|short|promo|gutschein|rabatt|aktions|voucher|coupon|qr|gift|geschenk|kunden|farb|dress|bank|länder|fehler|error|status|artikel|produkt|quell|source|hex|morse|zeichen|steuer|s|штрих|почтов\p{L}*|промо)$/iu;

/** A word before the code word that makes it another number: post code, ZIP code, promo code, country code, QR-Code, error code… */
const NOT_CODE_BEFORE =
  /(?<!\p{L})(?:post|postal|zip|area|country|sort|dial|dialling|dialing|promo|promotional|discount|coupon|voucher|gift|referral|invite|invitation|tracking|source|qr|bar|dress|colou?r|html|css|error|status|product|item|customer|bank|swift|tax|style|morse|hex|штрих|почтов\p{L}*)[\s-]+$/iu;

/** A word after it that does the same: code postal, código postal, code promo, código de descuento, codice fiscale, kod pocztowy, code d'erreur… */
const NOT_CODE_AFTER =
  /^[\s-]+(?:(?:de|di|do|da|du|d')\s*)?(?:postal|postale|postais|pocztowy|promo|promocional|promozionale|promotionnel|promotion|réduction|reduction|descuento|desconto|sconto|rabatt|parrainage|fiscale|fiscal|source|qr|barre|barras|pays|país|paese|erreur|error|errore|produit|producto|prodotto|cliente|client|банк\p{L}*|почтов\p{L}*)(?!\p{L})/iu;

export interface Span {
  start: number;
  end: number;
}

/** The places in `text` that name a code, in reading order. */
export function codeWords(text: string): Span[] {
  const spans: Span[] = [];
  for (const m of text.matchAll(WORDS)) {
    const start = m.index;
    const end = start + m[0].length;
    if (m[1] !== undefined && NOT_CODE_COMPOUND.test(m[1])) continue;
    if (NOT_CODE_BEFORE.test(text.slice(Math.max(0, start - 24), start)) || NOT_CODE_AFTER.test(text.slice(end, end + 24))) continue;
    spans.push({ start, end });
  }
  for (const m of text.matchAll(ACRONYMS)) spans.push({ start: m.index, end: m.index + m[0].length });
  return spans.sort((a, b) => a.start - b.start);
}
