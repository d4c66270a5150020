/**
 * Which number cells of an .ods show a boolean. LibreOffice keeps a boolean as a number (1/0) that a
 * boolean number format shows as TRUE/FALSE; the file says so in one of these ways, and read as the
 * bare number it became 1 or 0 where the sheet shows TRUE or FALSE:
 *  - the cell's data style is a `number:boolean-style` — the cell's own style, else its row's or
 *    column's default cell style (LibreOffice leaves out a cell's style when it is its column's);
 *  - `calcext:value-type="boolean"` (LibreOffice's own note of the shown type);
 *  - a formula whose shown format LibreOffice works out on loading, written with no style: `=TRUE()`
 *    and `=FALSE()` (how it keeps an Excel boolean cell — function names are the same in every
 *    language), or any formula whose number shows as TRUE or FALSE.
 * Only content.xml's automatic styles are read (those LibreOffice writes for cells); a named style of
 * styles.xml with a boolean format is not followed.
 */
import type { XmlTag } from './xml-events.ts';

const BOOLEAN_FORMULA = /^(?:[a-z]+:)?=\s*(?:TRUE|FALSE)\s*\(\s*\)\s*$/i;

export class OdsBooleans {
  private readonly booleanFormats = new Set<string>();
  /** Cell style name → its data style and parent style. */
  private readonly cellStyles = new Map<string, { data?: string; parent?: string }>();
  private readonly known = new Map<string, boolean>();
  /** The column default cell styles of the table being read: [first column, style] in column order. */
  private columns: Array<[number, string | undefined]> = [];
  private nextColumn = 0;

  /** `maxColumns`: the widest row read (limits.ts); columns past it are never looked up. */
  constructor(private readonly maxColumns: number) {}

  /** Takes note of an opening tag of content.xml: styles, data styles and a table's columns. */
  onTag(tag: XmlTag): void {
    const a = tag.attributes;
    switch (tag.name) {
      case 'number:boolean-style':
        if (a['style:name']) this.booleanFormats.add(a['style:name']);
        break;
      case 'style:style':
        if (a['style:family'] === 'table-cell' && a['style:name']) this.cellStyles.set(a['style:name'], { data: a['style:data-style-name'], parent: a['style:parent-style-name'] });
        break;
      case 'table:table':
        this.columns = [];
        this.nextColumn = 0;
        break;
      case 'table:table-column': {
        // Columns repeated to the sheet's end (16,384) cost one entry; past the widest row read, a
        // hostile million column elements cost nothing.
        if (this.nextColumn >= this.maxColumns) break;
        const style = a['table:default-cell-style-name'];
        const last = this.columns[this.columns.length - 1];
        if (!last || last[1] !== style) this.columns.push([this.nextColumn, style]);
        const n = Number.parseInt(a['table:number-columns-repeated'] ?? '1', 10);
        this.nextColumn += Number.isSafeInteger(n) && n > 0 ? n : 1;
        break;
      }
      default:
        break;
    }
  }

  /**
   * True when number cell `value` shows a boolean. `a` are the cell's attributes, `rowStyle` its
   * row's default cell style, `col` its column (0 = A), `shown` its text (known once the cell is read).
   */
  showsBoolean(value: number, a: Record<string, string>, rowStyle: string | undefined, col: number, shown: string): boolean {
    if (a['calcext:value-type'] === 'boolean') return true;
    if (this.isBooleanStyle(a['table:style-name'] ?? rowStyle ?? this.columnStyle(col))) return true;
    const formula = a['table:formula'];
    return formula !== undefined && (BOOLEAN_FORMULA.test(formula) || shown === (value !== 0 ? 'TRUE' : 'FALSE'));
  }

  private columnStyle(col: number): string | undefined {
    let style: string | undefined;
    for (const [first, s] of this.columns) {
      if (first > col) break;
      style = s;
    }
    return style;
  }

  /** Follows the style's parents (within content.xml) to the first that names a data style. */
  private isBooleanStyle(name: string | undefined): boolean {
    if (name === undefined) return false;
    const cached = this.known.get(name);
    if (cached !== undefined) return cached;
    let found = false;
    let at: string | undefined = name;
    // A loop of parents in a damaged file ends here, as a style without a data style.
    for (let depth = 0; at !== undefined && depth < 32; depth++) {
      const style = this.cellStyles.get(at);
      if (!style) break;
      if (style.data !== undefined) {
        found = this.booleanFormats.has(style.data);
        break;
      }
      at = style.parent;
    }
    this.known.set(name, found);
    return found;
  }
}

/**
 * An .ods `office:boolean-value`: xsd:boolean, "true"/"false" or "1"/"0" — or another number, which
 * LibreOffice writes for a number cell formatted as a boolean (`5`: Calc shows TRUE; it read as the
 * text "TRUE"); null when it is none of these.
 */
export function odsBoolean(value: string | undefined): boolean | null {
  const v = value?.trim();
  if (v === 'true') return true;
  if (v === 'false') return false;
  const n = v ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n !== 0 : null;
}
