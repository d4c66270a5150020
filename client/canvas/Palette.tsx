import { useMemo, useRef, useState } from 'react';
import { PanelLeftClose, PanelLeftOpen } from 'lucide-react';
import type { NodeTypeInfo } from '../api/types.ts';
import { useCatalog } from '../stores/catalog-store.ts';
import { SearchIcon, XIcon } from '../components/icons.tsx';
import { Spinner } from '../components/Spinner.tsx';
import { cn } from '../lib/cn.ts';
import { useUiPrefs } from '../stores/ui-prefs-store.ts';
import { categoryStyle } from './categories.ts';
import { groupNodeTypes } from './node-search.ts';
import { NodeGlyph } from './NodeGlyph.tsx';

export const DRAG_MIME = 'application/x-conveyor-node-type';

/**
 * Node types grouped by category, with a search box. Drag an item onto the canvas to place it, or
 * double-click it; from the keyboard: Tab into the search, ↓ into the list, ↑/↓ to move, Enter to
 * add (Enter in the search adds the first match). Folds into a narrow rail (remembered).
 */
export function Palette({ onAdd }: { onAdd(type: string): void }) {
  const { types, status, error, load } = useCatalog();
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const list = useRef<HTMLDivElement>(null);
  const collapsed = useUiPrefs((s) => s.paletteCollapsed);
  const toggle = useUiPrefs((s) => s.toggle);

  const groups = useMemo(() => groupNodeTypes(types, query), [types, query]);
  const flat = useMemo(() => groups.flatMap((g) => g.items), [groups]);
  const current = Math.min(active, Math.max(flat.length - 1, 0));

  const focusItem = (i: number) => {
    const next = Math.max(0, Math.min(i, flat.length - 1));
    setActive(next);
    list.current?.querySelector<HTMLElement>(`[data-index="${next}"]`)?.focus();
  };

  const onListKey = (e: React.KeyboardEvent) => {
    const keys: Record<string, () => void> = {
      ArrowDown: () => focusItem(current + 1),
      ArrowUp: () => (current === 0 ? document.querySelector<HTMLElement>('[data-testid="palette-search"]')?.focus() : focusItem(current - 1)),
      Home: () => focusItem(0),
      End: () => focusItem(flat.length - 1),
      Enter: () => flat[current] && onAdd(flat[current].type),
      ' ': () => flat[current] && onAdd(flat[current].type),
    };
    const run = keys[e.key];
    if (!run) return;
    e.preventDefault();
    run();
  };

  if (collapsed) {
    return (
      <aside className="flex w-10 shrink-0 flex-col items-center border-r border-slate-200 bg-white py-2 dark:border-slate-700 dark:bg-slate-900" data-testid="palette-collapsed">
        <button type="button" onClick={() => toggle('palette')} className="rounded-md p-1.5 text-slate-500 hover:bg-slate-100 hover:text-slate-800 dark:text-slate-400 dark:hover:bg-slate-800" aria-label="Show the nodes panel" title="Show the nodes panel" data-testid="btn-toggle-palette">
          <PanelLeftOpen size={16} />
        </button>
        <span className="mt-3 text-[11px] font-semibold tracking-wide text-slate-400 uppercase [writing-mode:vertical-rl]">Nodes</span>
      </aside>
    );
  }

  return (
    <aside className="flex w-64 shrink-0 flex-col border-r border-slate-200 bg-white dark:border-slate-700 dark:bg-slate-900" data-testid="palette">
      <div className="border-b border-slate-100 p-3 dark:border-slate-800">
        <div className="mb-2 flex items-center justify-between">
          <h2 className="text-xs font-semibold tracking-wide text-slate-500 uppercase dark:text-slate-400">Nodes</h2>
          <span className="flex items-center gap-1">
            <span className="text-[11px] text-slate-400">drag, or Enter</span>
            <button type="button" onClick={() => toggle('palette')} className="rounded p-1 text-slate-400 hover:bg-slate-100 hover:text-slate-700 dark:hover:bg-slate-800" aria-label="Hide the nodes panel" title="Hide the nodes panel" data-testid="btn-toggle-palette">
              <PanelLeftClose size={14} />
            </button>
          </span>
        </div>
        <div className="relative">
          <SearchIcon size={14} className="pointer-events-none absolute top-1/2 left-2.5 -translate-y-1/2 text-slate-400" />
          <input
            value={query}
            onChange={(e) => {
              setQuery(e.target.value);
              setActive(0);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && flat[0]) {
                e.preventDefault();
                onAdd(flat[current]?.type ?? flat[0].type);
              } else if (e.key === 'ArrowDown' && flat.length) {
                e.preventDefault();
                focusItem(0);
              }
            }}
            aria-label="Search nodes"
            placeholder="Search nodes…"
            className="block w-full rounded-md border-0 bg-slate-100 py-1.5 pr-7 pl-8 text-sm text-slate-900 placeholder:text-slate-400 focus:bg-white focus:ring-2 focus:ring-indigo-500 focus:outline-none dark:bg-slate-800 dark:text-slate-100 dark:focus:bg-slate-800"
            data-testid="palette-search"
          />
          {query && (
            <button type="button" className="absolute top-1/2 right-1.5 -translate-y-1/2 rounded p-0.5 text-slate-400 hover:text-slate-600" onClick={() => setQuery('')} aria-label="Clear search">
              <XIcon size={13} />
            </button>
          )}
        </div>
      </div>
      <div ref={list} className="scrollbar-thin min-h-0 flex-1 overflow-y-auto px-2 py-2" onKeyDown={onListKey} role="listbox" aria-label="Node types">
        {status === 'loading' || status === 'idle' ? (
          <div className="flex items-center gap-2 p-3 text-sm text-slate-500">
            <Spinner /> Loading node types…
          </div>
        ) : status === 'error' ? (
          <div className="m-1 rounded-lg bg-rose-50 p-3 text-sm text-rose-700 ring-1 ring-rose-200">
            <p className="font-medium">Node types unavailable</p>
            <p className="mt-0.5 text-rose-600">{error}</p>
            <button type="button" className="mt-2 text-sm font-medium text-rose-700 underline" onClick={() => void load(true)}>
              Retry
            </button>
          </div>
        ) : groups.length === 0 ? (
          <p className="p-3 text-center text-sm text-slate-500" data-testid="palette-empty">
            No node matches “{query}”.
          </p>
        ) : (
          groups.map((g) => (
            <section key={g.category} className="mb-3" data-testid={`palette-group-${g.category}`}>
              <h3 className="flex items-center gap-1.5 px-2 pt-1 pb-1.5 text-[11px] font-semibold tracking-wide text-slate-400 uppercase">
                <span className={cn('size-1.5 rounded-full', categoryStyle(g.category).dot)} />
                {g.category}
              </h3>
              <ul className="space-y-0.5">
                {g.items.map((t) => {
                  const index = flat.indexOf(t);
                  return <PaletteItem key={t.type} info={t} onAdd={onAdd} index={index} active={index === current} onFocus={() => setActive(index)} />;
                })}
              </ul>
            </section>
          ))
        )}
      </div>
    </aside>
  );
}

function PaletteItem({ info, onAdd, index, active, onFocus }: { info: NodeTypeInfo; onAdd(type: string): void; index: number; active: boolean; onFocus(): void }) {
  const st = categoryStyle(info.category);
  return (
    <li
      role="option"
      aria-selected={active}
      tabIndex={active ? 0 : -1}
      data-index={index}
      onFocus={onFocus}
      draggable
      onDragStart={(e) => {
        e.dataTransfer.setData(DRAG_MIME, info.type);
        e.dataTransfer.setData('text/plain', info.type);
        e.dataTransfer.effectAllowed = 'move';
      }}
      onDoubleClick={() => onAdd(info.type)}
      title={`${info.description}\n\nDrag onto the canvas, double-click or press Enter to add.`}
      data-testid={`palette-${info.type}`}
      className="group flex cursor-grab items-start gap-2.5 rounded-lg px-2 py-1.5 outline-none select-none hover:bg-slate-50 focus:bg-indigo-50 focus:ring-2 focus:ring-indigo-400 active:cursor-grabbing dark:hover:bg-slate-800 dark:focus:bg-indigo-500/20"
    >
      <span className={cn('mt-0.5 flex size-7 shrink-0 items-center justify-center rounded-md text-xs font-semibold ring-1', st.icon)}><NodeGlyph type={info.type} info={info} /></span>
      <span className="min-w-0">
        <span className="block truncate text-sm font-medium text-slate-800 group-hover:text-slate-950 dark:text-slate-100 dark:group-hover:text-white">{info.title}</span>
        <span className="line-clamp-2 block text-xs leading-snug text-slate-500 dark:text-slate-400">{info.description}</span>
      </span>
    </li>
  );
}
