/**
 * Where a JSON parse error is (" at line 2, column 14"), from the parser's "at position N" in
 * `message`, or "" when it does not tell. Never the parser's own words: they quote the bytes around
 * the error ("Unexpected token 'h', ..."password": hunter2"...), which may be a password, an API
 * key or a person's data — answered back to the sender, and written to the server log.
 */
export function jsonErrorWhere(message: string | undefined, text: unknown): string {
  const position = Number(/at position (\d+)/.exec(message ?? '')?.[1]);
  if (!Number.isInteger(position) || typeof text !== 'string') return '';
  const before = text.slice(0, position);
  return ` at line ${before.split('\n').length}, column ${position - before.lastIndexOf('\n')}`;
}
