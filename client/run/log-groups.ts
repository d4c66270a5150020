import type { LogLine } from '../api/types.ts';

export interface LogGroup {
  key: string;
  recordIndex: number | null;
  /** Indices into the log buffer, in arrival order. */
  lines: number[];
  errors: number;
  warnings: number;
}

export type LogRow = { kind: 'header'; group: LogGroup } | { kind: 'line'; index: number; group: LogGroup };

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
