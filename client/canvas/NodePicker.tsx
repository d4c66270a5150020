import { useEffect, useMemo, useRef, useState } from 'react';
import { Search } from 'lucide-react';
import type { NodeTypeInfo } from '../api/types.ts';
import { useCatalog } from '../stores/catalog-store.ts';
import { cn } from '../lib/cn.ts';
import { categoryStyle } from './categories.ts';
import { NodeGlyph } from './NodeGlyph.tsx';
import { groupNodeTypes } from './node-search.ts';

/**
 * The searchable node list that opens where a connection was dropped on empty canvas: type to
 * filter, ↑/↓ to move, Enter to add the highlighted node (connected), Escape or a click outside to
 * close. Triggers are not offered (they take no input).
 */
export function NodePicker({ at, onPick, onClose }: { at: { x: number; y: number }; onPick(type: string): void; onClose(): void }) {
  const types = useCatalog((s) => s.types);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const box = useRef<HTMLDivElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const items = useMemo(() => groupNodeTypes(types, query, (t) => !t.trigger && t.inputs.length > 0).flatMap((g) => g.items), [types, query]);
  const current = Math.min(active, Math.max(items.length - 1, 0));

  useEffect(() => {
    const onDown = (e: PointerEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) onClose();
    };
    window.addEventListener('pointerdown', onDown, true);
    return () => window.removeEventListener('pointerdown', onDown, true);
  }, [onClose]);

  useEffect(() => {
    list.current?.querySelector('[data-active="true"]')?.scrollIntoView({ block: 'nearest' });
  }, [current]);

  const onKeyDown = (e: React.KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setActive(Math.min(current + 1, items.length - 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive(Math.max(current - 1, 0));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (items[current]) onPick(items[current].type);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onClose();
    }
  };

  return (
    <div
      ref={box}
      role="dialog"
      aria-label="Add a node here"
      className="absolute z-20 w-72 overflow-hidden rounded-xl bg-white shadow-xl ring-1 ring-slate-200 dark:bg-slate-800 dark:ring-slate-700"
      style={{ left: at.x, top: at.y }}
      data-testid="node-picker"
      onKeyDown={onKeyDown}
    >
      <div className="relative border-b border-slate-100 p-2 dark:border-slate-700">
        <Search size={14} className="pointer-events-none absolute top-1/2 left-4 -translate-y-1/2 text-slate-400" />
        <input
          autoFocus
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
          placeholder="Add a node… (↑ ↓ Enter)"
          aria-label="Search nodes to add"
          aria-activedescendant={items[current] ? `picker-${items[current].type}` : undefined}
          className="block w-full rounded-md border-0 bg-slate-100 py-1.5 pr-2 pl-8 text-sm text-slate-900 placeholder:text-slate-400 focus:ring-2 focus:ring-indigo-500 focus:outline-none dark:bg-slate-900 dark:text-slate-100"
          data-testid="node-picker-search"
        />
      </div>
      <ul ref={list} role="listbox" className="scrollbar-thin max-h-72 overflow-y-auto p-1">
        {items.length === 0 && <li className="p-3 text-center text-sm text-slate-500 dark:text-slate-400">No node matches “{query}”.</li>}
        {items.map((t, i) => (
          <PickerItem key={t.type} info={t} active={i === current} onHover={() => setActive(i)} onPick={() => onPick(t.type)} />
        ))}
      </ul>
    </div>
  );
}

function PickerItem({ info, active, onHover, onPick }: { info: NodeTypeInfo; active: boolean; onHover(): void; onPick(): void }) {
  return (
    <li
      id={`picker-${info.type}`}
      role="option"
      aria-selected={active}
      data-active={active ? 'true' : 'false'}
      data-testid={`picker-${info.type}`}
      onMouseEnter={onHover}
      onMouseDown={(e) => e.preventDefault()}
      onClick={onPick}
      className={cn('flex cursor-pointer items-center gap-2.5 rounded-lg px-2 py-1.5', active ? 'bg-indigo-50 dark:bg-indigo-500/20' : 'hover:bg-slate-50 dark:hover:bg-slate-700')}
    >
      <span className={cn('flex size-7 shrink-0 items-center justify-center rounded-md text-xs font-semibold ring-1', categoryStyle(info.category).icon)}>
        <NodeGlyph type={info.type} info={info} />
      </span>
      <span className="min-w-0">
        <span className="block truncate text-sm font-medium text-slate-800 dark:text-slate-100">{info.title}</span>
        <span className="block truncate text-xs text-slate-500 dark:text-slate-400">{info.category}</span>
      </span>
    </li>
  );
}
