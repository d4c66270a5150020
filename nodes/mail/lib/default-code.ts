/**
 * The code the default code pattern (`\b(\d{4,8})\b`) takes from a mail. Its first number of 4 to
 * 8 digits was the rule, and a mail's first number is often not its code: "Order 10023 — your
 * code: 483920", or a code only in the subject ("483920 is your code") above a text with "© 2026"
 * or "10115 Berlin" in it. So, in this order:
 *
 * 1. the first number named by a word for the code (code-words.ts), in the text, then the subject.
 *    A word names the first number after it — on its line, or at the start of a later line with no
 *    words between ("Your code:\n\n483920") — else the last one before it on its line
 *    ("483920 is your verification code"); never past another number, the end of a sentence or a
 *    comma, nor more than 40 characters away (a run of white space counts one);
 * 2. a subject that names the code and holds no number ("Your verification code") names the text's
 *    first number that is not labelled, written in groups too ("123 456" alone in the text);
 * 3. else, nothing named: a number both in the subject and the text (mails often repeat the code
 *    there), then one standing alone on a line of the text (a code shown in a box), then the
 *    subject's first number (a code only in the subject, the text's numbers being an address or a
 *    footer: "10115 Berlin"), then the text's first number; a year (19xx, 20xx) only when nothing
 *    else is there. Numbers in groups count only in 1 and 2.
 *
 * A word that names a code with letters (X7K9P2, AB12-CD34) and no number says the code is not a
 * number: none is taken (rules 2 and 3 are not tried), the step's error shows it (namedLetteredCode).
 *
 * Only numbers that may be a code count (code-numbers.ts): 4 to 8 digits on their own, never a piece
 * of a date, phone number or amount, a number with a currency, nor a year after ©. A code written in
 * groups (123 456) counts only where the code is named (1, 2) — in 3 it could as well be a reference
 * — and a number labelled as another one (Order 123-456, Bestellnummer 10023) is never named.
 */
import { codeNumbers, letteredCodes, YEAR, type CodeNumber } from './code-numbers.ts';
import { codeWords, type Span } from './code-words.ts';

/** Characters, with each run of white space counted as one, between a code word and its number. */
const NEAR = 40;
/** The end of a sentence, a comma or another number: a code word does not reach past them. */
const BARRIER = /[.!?;,](?=\s|$)|[。！？；，]|\p{N}/u;
const LINE_BREAK = /\r\n|[\n\r\u2028\u2029]/;

/**
 * The code read, and how clearly the mail named it: 3, a word of the text names it (rule 1); 2, the
 * subject does (rule 1 in the subject, rule 2); 1, it stands out unnamed (in the subject and the text,
 * alone on a line); 0, only the first number there is. For a mail whose plain-text and HTML parts
 * give two codes: a plain part that only says "view this mail in a browser" above the sender's
 * postal address gave its postcode (0) against the code the HTML part names (3) — the clearer wins.
 */
export interface ReadCode {
  code: string;
  clarity: 0 | 1 | 2 | 3;
}

/** The code in a mail with `text` (its readable text, one line of the screen a line) and `subject`; null when there is none. */
export function defaultCode(text: string, subject = ''): string | null {
  return readDefaultCode(text, subject)?.code ?? null;
}

/** defaultCode, with how clearly the mail named the code. */
export function readDefaultCode(text: string, subject = ''): ReadCode | null {
  const inText = codeNumbers(text);
  const inSubject = codeNumbers(subject);
  const inTextNamed = namedCode(text, inText);
  if (inTextNamed !== null) return { code: inTextNamed, clarity: 3 };
  const named = namedCode(subject, inSubject);
  if (named !== null) return { code: named, clarity: 2 };
  // A mail that names a code with letters (X7K9P2) has no number for a code: its postcode is not taken.
  if (namedLetteredCode(text, subject) !== null) return null;
  const bySubject = namedBySubject(text, subject, inSubject, inText);
  return bySubject !== null ? { code: bySubject, clarity: 2 } : unnamedCode(text, inText, inSubject);
}

/**
 * The code with letters (AB12-CD34, X7K9P2) a word names in `text`, then in `subject`, as rule 1
 * names numbers; null when none. The default pattern does not take it: the step's error shows it.
 */
export function namedLetteredCode(text: string, subject = ''): string | null {
  return namedCode(text, letteredCodes(text)) ?? namedCode(subject, letteredCodes(subject));
}

/** Rule 2: the subject names the code but holds no number: the text's first number that is not another one's. */
function namedBySubject(text: string, subject: string, inSubject: CodeNumber[], inText: CodeNumber[]): string | null {
  if (inSubject.length > 0 || codeWords(subject).length === 0) return null;
  const numbers = inText.filter((n) => !n.labelled);
  const notYear = numbers.filter((n) => !YEAR.test(n.code));
  return (notYear.find((n) => standsAlone(text, n.start, n.end)) ?? notYear[0] ?? numbers[0])?.code ?? null;
}

const WORD_OR_NUMBER = /[\p{L}\p{N}]/u;
const BREAK_CHAR = /[\n\r\u2028\u2029]/;

/**
 * Whether nothing but marks and spaces stands beside the number on its line ("  483920", "[483920]").
 * Each side is read up to the first letter, digit or line break: the stretches between numbers are
 * read twice at most, however many numbers a long line holds.
 */
function standsAlone(text: string, start: number, end: number): boolean {
  for (let i = start - 1; i >= 0 && !BREAK_CHAR.test(text[i]); i--) if (WORD_OR_NUMBER.test(text[i])) return false;
  for (let i = end; i < text.length && !BREAK_CHAR.test(text[i]); i++) if (WORD_OR_NUMBER.test(text[i])) return false;
  return true;
}

/** Rule 3: no word names a number (see the order above). Numbers written in groups never count here. */
function unnamedCode(text: string, inText: CodeNumber[], inSubject: CodeNumber[]): ReadCode | null {
  const body = inText.filter((n) => !n.grouped);
  const head = inSubject.filter((n) => !n.grouped);
  const notYear = (n: CodeNumber) => !YEAR.test(n.code);
  const subjectCodes = new Set(head.map((n) => n.code));
  const standsOut = body.find((n) => subjectCodes.has(n.code)) ?? body.find((n) => notYear(n) && standsAlone(text, n.start, n.end));
  if (standsOut) return { code: standsOut.code, clarity: 1 };
  const first = head.find(notYear) ?? body.find(notYear) ?? body[0] ?? head[0];
  return first ? { code: first.code, clarity: 0 } : null;
}

/**
 * The first number in `text` that a code word names. A word names the first number after it, else
 * the last one before it. With both lists in reading order, only the last word before a number can
 * name it from before (an earlier one reaches no further), and only the first word after it from
 * after (a later one, if it reached back, would reach the next number too): each stretch of text is
 * looked at a few times at most, however long the mail.
 */
function namedCode(text: string, all: CodeNumber[]): string | null {
  // A labelled number (Order 123-456) is never named, and a word reaches past it as past words
  // ("Your code for order 4711 is 483920": 483920; it read 4711).
  const numbers = all.filter((n) => !n.labelled);
  const labelled = all.filter((n) => n.labelled);
  if (numbers.length === 0) return null;
  const words = codeWords(text);
  let w = 0;
  for (const [i, n] of numbers.entries()) {
    const previous = numbers[i - 1];
    const next = numbers[i + 1];
    while (w < words.length && words[w].end <= n.start) w++;
    const before = words[w - 1];
    const after = words[w];
    if (before && (!previous || previous.end <= before.start) && reachesOn(text, before, n, labelled)) return n.code;
    if (after && (!next || after.end <= next.start) && reachesBack(text, n, after, labelled) && !(next && reachesOn(text, after, next, labelled))) return n.code;
  }
  return null;
}

/**
 * A word reaches the number after it within its sentence, on its line or at the start of a later
 * line, with no words between ("Your code:\n\n483920", "Your code:\n  (123-456)").
 */
function reachesOn(text: string, word: Span, number: CodeNumber, labelled: CodeNumber[]): boolean {
  const between = unlabelled(text, word.end, number.start, labelled);
  return close(between) && between.split(LINE_BREAK).every((line, i) => i === 0 || !/\p{L}/u.test(line));
}

/** A word reaches the number before it within its sentence and line ("483920 is your code"). */
function reachesBack(text: string, number: CodeNumber, word: Span, labelled: CodeNumber[]): boolean {
  const between = unlabelled(text, number.end, word.start, labelled);
  return close(between) && !LINE_BREAK.test(between);
}

/** `text[from, to)` with the digits of labelled numbers in it made letters: they stop no word's reach. */
function unlabelled(text: string, from: number, to: number, labelled: CodeNumber[]): string {
  let out = text.slice(from, to);
  for (const n of labelled) {
    if (n.end <= from || n.start >= to) continue;
    const a = Math.max(n.start, from) - from;
    const b = Math.min(n.end, to) - from;
    out = out.slice(0, a) + out.slice(a, b).replace(/\p{N}/gu, 'n') + out.slice(b);
  }
  return out;
}

function close(between: string): boolean {
  return !BARRIER.test(between) && between.replace(/\s+/g, ' ').length <= NEAR;
}
