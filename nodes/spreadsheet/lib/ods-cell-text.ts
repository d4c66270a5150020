/**
 * The text of an OpenDocument cell: the character data inside its paragraphs (`text:p`, `text:h`,
 * and what they hold), paragraphs joined by line breaks; `text:s` (spaces), `text:tab` and
 * `text:line-break` as written. Character data between a cell's elements is not its text.
 *
 * Why: an editor that indents its XML (Gnumeric) puts line feeds and indentation between the
 * elements of a cell — around a comment, before the paragraph — which were read as the cell's text
 * ("\n            \nAda" for "Ada"). White space inside a paragraph is kept as it is, though the
 * format says to collapse it: LibreOffice itself writes two spaces inside a paragraph where the
 * cell holds two ("line  two", fixtures/libreoffice.ods), and reads them back so.
 */
export class OdsCellText {
  private text = '';
  private paragraphs = 0;
  /** Paragraph elements open around the character data (0: outside any: not the cell's text). */
  private depth = 0;

  /** A new cell. */
  reset(): void {
    this.text = '';
    this.paragraphs = 0;
    this.depth = 0;
  }

  get length(): number {
    return this.text.length;
  }

  get value(): string {
    return this.text;
  }

  openParagraph(): void {
    if (this.depth++ === 0 && this.paragraphs++ > 0) this.text += '\n';
  }

  closeParagraph(): void {
    if (this.depth > 0) this.depth--;
  }

  /** Character data, or what an element stands for (`text:s`, `text:tab`, `text:line-break`): the cell's only inside a paragraph. */
  add(chars: string): void {
    if (this.depth > 0) this.text += chars;
  }
}
