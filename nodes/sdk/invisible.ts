/**
 * Characters that show nothing and split nothing a reader sees — soft hyphens (&shy;, a hyphen only
 * where a line breaks), zero-width spaces and joiners, word joiners, byte-order marks. Sites and
 * mails put them in their text ("Confirm&shy;ation", a code 482&#8203;913, &zwnj; fillers after a
 * preheader); to a check, a record or a code pattern the text must read as the reader reads it.
 */
const INVISIBLE = /[\u00ad\u200b-\u200d\u2060\ufeff]/g;

/** `text` without the characters that show nothing. */
export function dropInvisible(text: string): string {
  return text.replace(INVISIBLE, '');
}
