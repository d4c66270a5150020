import type { LogLine } from '../api/types.ts';

export interface LogGroup {
  key: string;
  recordIndex: number | null;
  /** Indices into the log buffer, in arrival order. */
  lines: number[];
  errors: number;
  warnings: number;
}

/** A search group of a grouped run, in the log: its terms' record groups nest under it. */
export interface LogSection {
  key: string;
  name: string;
  groupIndex: number;
  /** Record groups of its terms, in record order. */
  groups: LogGroup[];
  lines: number;
  errors: number;
  warnings: number;
}

/**
 * `depth` indents nested rows (grouped runs: search group 0 → term 1 → its lines 2); `term` is the
 * search term of the record the row belongs to.
 */
export type LogRow =
  | { kind: 'section'; section: LogSection }
  | { kind: 'header'; group: LogGroup; depth?: number; term?: string }
  | { kind: 'line'; index: number; group: LogGroup; depth?: number; term?: string };

/** The search group and term of a record (from GET /api/runs/:id/groups). */
export interface TermOf {
  group: string;
  groupIndex: number;
  term: string;
}

/**
 * Groups log lines per record, incrementally: only lines added since the last call are looked at
 * (the buffer is append-only until replaced by a backfill, which triggers a rebuild).
 */
export class LogGrouper {
  private source: LogLine[] | null = null;
  private processed = 0;
  private byKey = new Map<string, LogGroup>();
  order: LogGroup[] = [];

  update(logs: LogLine[]): void {
    if (logs !== this.source) {
      this.source = logs;
      this.processed = 0;
      this.byKey.clear();
      this.order = [];
    }
    for (let i = this.processed; i < logs.length; i++) {
      const l = logs[i];
      const key = l.recordIndex == null ? 'run' : String(l.recordIndex);
      let g = this.byKey.get(key);
      if (!g) {
        g = { key, recordIndex: l.recordIndex ?? null, lines: [], errors: 0, warnings: 0 };
        this.byKey.set(key, g);
        this.order.push(g);
      }
      g.lines.push(i);
      if (l.level === 'error') g.errors++;
      else if (l.level === 'warn') g.warnings++;
    }
    this.processed = logs.length;
  }
}

export function lineMatches(l: LogLine, term: string, nodeName?: string): boolean {
  if (!term) return false;
  const t = term.toLowerCase();
  return l.message.toLowerCase().includes(t) || (nodeName ?? l.nodeId ?? '').toLowerCase().includes(t);
}

/** The rows to draw: a header per group, then its lines unless the group is collapsed. */
export function flattenRows(groups: LogGroup[], collapsed: ReadonlySet<string>): LogRow[] {
  const rows: LogRow[] = [];
  for (const g of groups) {
    rows.push({ kind: 'header', group: g });
    if (collapsed.has(g.key)) continue;
    for (const index of g.lines) rows.push({ kind: 'line', index, group: g });
  }
  return rows;
}

export const sectionKey = (name: string) => `section:${name}`;

/**
 * The rows of a grouped run: run-level lines (and records of no known term) stay at the top level;
 * record groups nest under their search group, each headed by its term. `only` keeps one record's
 * lines (a term's "Log" link).
 */
export function flattenGroupedRows(groups: LogGroup[], termOf: ReadonlyMap<number, TermOf>, collapsed: ReadonlySet<string>, only: number | null = null): { rows: LogRow[]; sections: LogSection[] } {
  const top: Array<LogGroup | LogSection> = [];
  const sections = new Map<string, LogSection>();
  for (const g of groups) {
    if (only !== null && g.recordIndex !== only) continue;
    const t = g.recordIndex == null ? undefined : termOf.get(g.recordIndex);
    if (!t) {
      top.push(g);
      continue;
    }
    let sec = sections.get(t.group);
    if (!sec) {
      sec = { key: sectionKey(t.group), name: t.group, groupIndex: t.groupIndex, groups: [], lines: 0, errors: 0, warnings: 0 };
      sections.set(t.group, sec);
      top.push(sec);
    }
    sec.groups.push(g);
    sec.lines += g.lines.length;
    sec.errors += g.errors;
    sec.warnings += g.warnings;
  }
  const rows: LogRow[] = [];
  for (const item of top) {
    if ('name' in item) {
      rows.push({ kind: 'section', section: item });
      if (collapsed.has(item.key)) continue;
      item.groups.sort((a, b) => (a.recordIndex ?? 0) - (b.recordIndex ?? 0));
      for (const g of item.groups) {
        const term = termOf.get(g.recordIndex!)?.term;
        rows.push({ kind: 'header', group: g, depth: 1, term });
        if (collapsed.has(g.key)) continue;
        for (const index of g.lines) rows.push({ kind: 'line', index, group: g, depth: 2, term });
      }
    } else {
      rows.push({ kind: 'header', group: item });
      if (collapsed.has(item.key)) continue;
      for (const index of item.lines) rows.push({ kind: 'line', index, group: item });
    }
  }
  return { rows, sections: [...sections.values()] };
}
