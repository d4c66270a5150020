import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useLiveRun } from '../stores/live-run-store.ts';
import type { LogLine, RecordStatus, RunStatus } from '../api/types.ts';
import { RecordInRunBadge } from './RecordInRunBadge.tsx';
import { ChevronDownIcon, ChevronRightIcon, ChevronUpIcon, SearchIcon, TerminalIcon, XIcon } from '../components/icons.tsx';
import { IconButton, Button } from '../components/Button.tsx';
import { clockTime } from '../lib/format.ts';
import { cn } from '../lib/cn.ts';
import { flattenGroupedRows, flattenRows, lineMatches, LogGrouper, type LogRow, type LogSection } from './log-groups.ts';
import { useRunGroups } from './use-run-groups.ts';
import { Highlight } from './Highlight.tsx';

const LINE_H = 24;
const HEADER_H = 30;

const LEVEL: Record<string, string> = {
  debug: 'text-slate-400',
  info: 'text-sky-600',
  warn: 'text-amber-600',
  error: 'text-rose-600',
};

/**
 * The run log: virtualized (only visible rows are in the DOM), lines grouped per record in
 * collapsible groups, a search that highlights matches, and auto-scroll that follows new lines
 * until the person scrolls up (and follows again once back at the bottom, or with "Jump to latest").
 * For a grouped run (groups of search terms) the record groups nest under their search group and
 * term, both collapsible, and each term is highlighted in its lines.
 */
export function LogView({ nodeNames }: { nodeNames: Record<string, string> }) {
  const logs = useLiveRun((s) => s.logs);
  const logVersion = useLiveRun((s) => s.logVersion);
  const logsOmitted = useLiveRun((s) => s.logsOmitted);
  const records = useLiveRun((s) => s.records);
  const recordsVersion = useLiveRun((s) => s.recordsVersion);
  const runStatus = useLiveRun((s) => s.status);
  const [collapsed, setCollapsed] = useState<Set<string>>(() => new Set());
  const [term, setTerm] = useState('');
  const [matchCursor, setMatchCursor] = useState(-1);
  const [follow, setFollow] = useState(true);
  const followRef = useRef(true);
  const grouper = useRef(new LogGrouper());
  const scroller = useRef<HTMLDivElement>(null);

  const groups = useMemo(() => {
    grouper.current.update(logs);
    return [...grouper.current.order];
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [logs, logVersion]);

  const grouped = useRunGroups((s) => s.grouped === true);
  const termOf = useRunGroups((s) => s.byRecord);
  const only = useRunGroups((s) => (s.grouped ? s.logFilter : null));
  const onlyTerm = only === null ? undefined : termOf.get(only);
  const { rows, sections } = useMemo(
    () => (grouped ? flattenGroupedRows(groups, termOf, collapsed, only) : { rows: flattenRows(groups, collapsed), sections: [] as LogSection[] }),
    [grouped, groups, termOf, collapsed, only],
  );
  const q = term.trim();
  const matches = useMemo(() => {
    if (!q) return [] as number[];
    const out: number[] = [];
    rows.forEach((r, i) => {
      if (r.kind === 'line' && lineMatches(logs[r.index], q, nodeNames[logs[r.index].nodeId ?? ''])) out.push(i);
    });
    return out;
  }, [rows, q, logs, nodeNames]);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: (i) => (rows[i]?.kind === 'line' ? LINE_H : HEADER_H),
    overscan: 12,
    // Scrolling re-renders with the next batch, not synchronously at each scroll event (flushSync
    // re-rendered the whole log many times a second while it followed a run).
    useFlushSync: false,
  });

  // Following the end: one scroll per frame, whatever the number of updates in between (the
  // virtualizer's scrollToIndex measured the list again and again on every update: long tasks).
  const scrollFrame = useRef(0);
  const scrollToBottom = useCallback(() => {
    scrollFrame.current = 0;
    const el = scroller.current;
    if (el && followRef.current) el.scrollTop = el.scrollHeight;
  }, []);
  useEffect(() => () => cancelAnimationFrame(scrollFrame.current), []);

  const stopFollowing = useCallback(() => {
    if (!followRef.current) return;
    followRef.current = false;
    setFollow(false);
  }, []);

  useLayoutEffect(() => {
    if (followRef.current && rows.length && !scrollFrame.current) scrollFrame.current = requestAnimationFrame(scrollToBottom);
  }, [rows.length, scrollToBottom]);

  const lastTop = useRef(0);
  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    const distance = el.scrollHeight - el.scrollTop - el.clientHeight;
    const delta = el.scrollTop - lastTop.current;
    lastTop.current = el.scrollTop;
    // Following stops as soon as the person scrolls up, and resumes when they scroll back down
    // to (near) the bottom: lines may have arrived between their last wheel turn and this event.
    let next = followRef.current;
    if (delta < 0 && distance > 1) next = false;
    else if (delta > 0 && distance < LINE_H * 5) next = true;
    if (next !== followRef.current) {
      followRef.current = next;
      setFollow(next);
    }
  };

  const toggle = (key: string) =>
    setCollapsed((prev) => {
      const next = new Set(prev);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });

  const goToMatch = (dir: 1 | -1) => {
    if (!matches.length) return;
    const next = (matchCursor + dir + matches.length) % matches.length;
    setMatchCursor(next);
    followRef.current = false;
    setFollow(false);
    virtualizer.scrollToIndex(matches[next], { align: 'center' });
  };

  useEffect(() => setMatchCursor(-1), [q]);

  const current = matchCursor >= 0 ? matches[matchCursor] : -1;

  return (
    <div className="flex h-full min-h-0 flex-col">
      <div className="flex items-center gap-2 border-b border-slate-100 px-3 py-1.5">
        <div className="relative w-64">
          <SearchIcon size={13} className="pointer-events-none absolute top-1/2 left-2 -translate-y-1/2 text-slate-400" />
          <input
            value={term}
            onChange={(e) => setTerm(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') goToMatch(e.shiftKey ? -1 : 1);
            }}
            placeholder="Search the log…"
            className="block h-7 w-full rounded-md border-0 bg-slate-100 pr-7 pl-7 text-xs text-slate-900 placeholder:text-slate-400 focus:bg-white focus:ring-2 focus:ring-indigo-500 focus:outline-none"
            data-testid="log-search"
          />
          {term && (
            <button type="button" className="absolute top-1/2 right-1.5 -translate-y-1/2 text-slate-400 hover:text-slate-600" onClick={() => setTerm('')} aria-label="Clear search">
              <XIcon size={12} />
            </button>
          )}
        </div>
        {q && (
          <>
            <span className="text-xs text-slate-500 tabular-nums" data-testid="log-match-count">
              {matches.length ? `${matchCursor >= 0 ? matchCursor + 1 : 0} / ${matches.length}` : 'no match'}
            </span>
            <IconButton size="xs" label="Previous match" icon={<ChevronUpIcon size={14} />} onClick={() => goToMatch(-1)} disabled={!matches.length} />
            <IconButton size="xs" label="Next match" icon={<ChevronDownIcon size={14} />} onClick={() => goToMatch(1)} disabled={!matches.length} />
          </>
        )}
        <div className="ml-auto flex items-center gap-1 text-xs text-slate-500">
          <span
            className="tabular-nums"
            data-testid="log-line-count"
            title={logsOmitted > 0 ? 'The oldest lines of this long log are not loaded here. Every record, with its status and error, is in the Records tab and the report.' : undefined}
          >
            {logsOmitted > 0 ? `the last ${logs.length.toLocaleString()} of ${(logs.length + logsOmitted).toLocaleString()} lines` : `${logs.length.toLocaleString()} lines`} · {groups.length.toLocaleString()} groups
            {grouped && ` · ${sections.length.toLocaleString()} search groups`}
          </span>
          <Button size="xs" variant="ghost" onClick={() => setCollapsed(new Set([...groups.map((g) => g.key), ...sections.map((x) => x.key)]))} data-testid="btn-collapse-all">
            Collapse all
          </Button>
          <Button size="xs" variant="ghost" onClick={() => setCollapsed(new Set())} data-testid="btn-expand-all">
            Expand all
          </Button>
        </div>
      </div>
      {onlyTerm && (
        <div className="flex items-center gap-2 border-b border-amber-100 bg-amber-50 px-3 py-1 text-xs text-amber-900" data-testid="log-term-filter">
          Only the log of <strong className="font-semibold">{onlyTerm.group} › {onlyTerm.term}</strong>
          <Button size="xs" variant="ghost" className="ml-auto" onClick={() => useRunGroups.getState().setLogFilter(null)} data-testid="btn-log-show-all">
            Show all
          </Button>
        </div>
      )}
      <div className="relative min-h-0 flex-1">
        <div
          ref={scroller}
          onScroll={onScroll}
          onWheel={(e) => {
            // The person's intent wins over a pending auto-scroll, even mid-stream.
            if (e.deltaY < 0) stopFollowing();
          }}
          onKeyDown={(e) => {
            if (e.key === 'ArrowUp' || e.key === 'PageUp' || e.key === 'Home') stopFollowing();
          }}
          onPointerDown={(e) => {
            // A press on the scrollbar (right edge) starts a manual scroll.
            const el = e.currentTarget;
            if (e.clientX > el.getBoundingClientRect().right - 16) stopFollowing();
          }}
          tabIndex={0}
          className="scrollbar-thin absolute inset-0 overflow-auto font-mono text-xs" data-testid="log-view" data-follow={follow ? 'true' : 'false'} data-rows={rows.length}>
          {rows.length === 0 ? (
            <div className="flex h-full flex-col items-center justify-center gap-2 font-sans text-sm text-slate-400" data-testid="log-empty">
              <TerminalIcon size={20} />
              No log lines yet.
            </div>
          ) : (
            <div style={{ height: virtualizer.getTotalSize(), position: 'relative', width: '100%' }}>
              {virtualizer.getVirtualItems().map((v) => {
                const row = rows[v.index];
                return (
                  <div key={v.key} data-index={v.index} style={{ position: 'absolute', top: 0, left: 0, width: '100%', height: v.size, transform: `translateY(${v.start}px)` }}>
                    {row.kind === 'section' ? (
                      <SectionHeader section={row.section} collapsed={collapsed.has(row.section.key)} onToggle={() => toggle(row.section.key)} />
                    ) : row.kind === 'header' ? (
                      <GroupHeader row={row} collapsed={collapsed.has(row.group.key)} onToggle={() => toggle(row.group.key)} status={row.group.recordIndex != null ? records.get(row.group.recordIndex) : undefined} runStatus={runStatus} version={recordsVersion} />
                    ) : (
                      <LogLineRow line={logs[row.index]} term={q} searchTerm={row.term} depth={row.depth ?? 0} nodeName={nodeNames[logs[row.index].nodeId ?? '']} current={v.index === current} />
                    )}
                  </div>
                );
              })}
            </div>
          )}
        </div>
        {!follow && rows.length > 0 && (
          <button
            type="button"
            onClick={() => {
              followRef.current = true;
              setFollow(true);
              virtualizer.scrollToIndex(rows.length - 1, { align: 'end' });
              requestAnimationFrame(scrollToBottom);
            }}
            className="absolute right-4 bottom-3 inline-flex items-center gap-1 rounded-full bg-slate-900/85 px-3 py-1 text-xs font-medium text-white shadow-lg hover:bg-slate-900"
            data-testid="btn-follow-log"
          >
            <ChevronDownIcon size={13} /> Jump to latest
          </button>
        )}
      </div>
    </div>
  );
}

/** A record's group: its status is told as it stands in the run (a record of a paused run is "Paused", not "Running"). */
function GroupHeader({ row, collapsed, onToggle, status, runStatus }: { row: Extract<LogRow, { kind: 'header' }>; collapsed: boolean; onToggle(): void; status?: RecordStatus; runStatus: RunStatus | null; version: number }) {
  const g = row.group;
  const term = row.kind === 'header' ? row.term : undefined;
  return (
    <button
      type="button"
      onClick={onToggle}
      className={cn('flex h-full w-full items-center gap-2 border-t border-slate-100 pr-3 text-left font-sans text-xs hover:bg-slate-100', term !== undefined ? 'bg-white pl-7' : 'bg-slate-50 pl-3')}
      data-testid={`log-group-${g.recordIndex ?? 'run'}`}
      data-kind={term !== undefined ? 'term' : 'record'}
      data-term={term}
      data-collapsed={collapsed ? 'true' : 'false'}
      aria-expanded={!collapsed}
    >
      {collapsed ? <ChevronRightIcon size={13} className="text-slate-400" /> : <ChevronDownIcon size={13} className="text-slate-400" />}
      {term !== undefined && (
        <mark className="term-hit rounded bg-indigo-100 px-1 font-semibold text-indigo-900" data-testid="log-term-name">
          {term}
        </mark>
      )}
      <span className={term !== undefined ? 'text-slate-500' : 'font-semibold text-slate-800'}>{g.recordIndex == null ? 'Run' : `Record #${g.recordIndex + 1}`}</span>
      {status && <RecordInRunBadge status={status} runStatus={runStatus} className="!py-0 !text-[10.5px]" data-testid="log-group-status" />}
      <span className="text-slate-400">
        {g.lines.length} line{g.lines.length === 1 ? '' : 's'}
      </span>
      {g.errors > 0 && <span className="text-rose-600">{g.errors} error{g.errors === 1 ? '' : 's'}</span>}
      {g.warnings > 0 && <span className="text-amber-600">{g.warnings} warning{g.warnings === 1 ? '' : 's'}</span>}
    </button>
  );
}

function SectionHeader({ section, collapsed, onToggle }: { section: LogSection; collapsed: boolean; onToggle(): void }) {
  return (
    <button
      type="button"
      onClick={onToggle}
      className="flex h-full w-full items-center gap-2 border-t border-slate-200 bg-slate-100 px-3 text-left font-sans text-xs hover:bg-slate-200/70"
      data-testid={`log-section-${section.groupIndex}`}
      data-group={section.name}
      data-collapsed={collapsed ? 'true' : 'false'}
      aria-expanded={!collapsed}
    >
      {collapsed ? <ChevronRightIcon size={13} className="text-slate-500" /> : <ChevronDownIcon size={13} className="text-slate-500" />}
      <span className="font-semibold text-slate-900">{section.name}</span>
      <span className="text-slate-500">
        {section.groups.length} term{section.groups.length === 1 ? '' : 's'} · {section.lines} line{section.lines === 1 ? '' : 's'}
      </span>
      {section.errors > 0 && <span className="text-rose-600">{section.errors} error{section.errors === 1 ? '' : 's'}</span>}
      {section.warnings > 0 && <span className="text-amber-600">{section.warnings} warning{section.warnings === 1 ? '' : 's'}</span>}
    </button>
  );
}

/** One log line; `term` is the log search, `searchTerm` the record's search term (grouped runs), highlighted when no search is typed. */
// Memoized: while a run streams in, the visible lines stay the same objects; only new ones render.
const LogLineRow = memo(function LogLineRow({ line, term, searchTerm, depth, nodeName, current }: { line: LogLine; term: string; searchTerm?: string; depth: number; nodeName?: string; current: boolean }) {
  const data = line.data !== undefined && line.data !== null ? JSON.stringify(line.data) : '';
  const hit = term && lineMatches(line, term, nodeName);
  const mark = term || searchTerm || '';
  return (
    <div
      className={cn('flex h-full items-center gap-3 pr-3 whitespace-nowrap hover:bg-slate-50', depth >= 2 ? 'pl-14' : 'pl-8', hit && 'bg-amber-50/60', current && '!bg-amber-100')}
      data-term={searchTerm}
      title={`${line.message}${data ? `\n${data}` : ''}`}
      data-testid="log-line"
      data-level={line.level}
    >
      <span className="shrink-0 text-slate-400 tabular-nums">{clockTime(line.at)}</span>
      <span className={cn('w-10 shrink-0 font-semibold uppercase', LEVEL[line.level] ?? 'text-slate-500')}>{line.level}</span>
      {line.nodeId && (
        <span className="max-w-40 shrink-0 truncate rounded bg-slate-100 px-1.5 text-[11px] text-slate-600">
          <Highlight text={nodeName ?? line.nodeId} term={term} />
        </span>
      )}
      <span className="min-w-0 truncate text-slate-800">
        <Highlight text={line.message} term={mark} />
        {data && <span className="ml-2 text-slate-400">{data.length > 300 ? data.slice(0, 300) + '…' : data}</span>}
      </span>
    </div>
  );
});
