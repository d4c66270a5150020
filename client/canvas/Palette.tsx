import { useMemo, useState } from 'react';
import type { NodeTypeInfo } from '../api/types.ts';
import { useCatalog } from '../stores/catalog-store.ts';
import { SearchIcon, XIcon } from '../components/icons.tsx';
import { Spinner } from '../components/Spinner.tsx';
import { cn } from '../lib/cn.ts';
import { categoryStyle, sortCategories } from './categories.ts';
import { NodeGlyph } from './NodeGlyph.tsx';

export const DRAG_MIME = 'application/x-conveyor-node-type';

/** Node types grouped by category, with a search box. Drag an item onto the canvas to place it. */
export function Palette({ onAdd }: { onAdd(type: string): void }) {
  const { types, status, error, load } = useCatalog();
  const [query, setQuery] = useState('');

  const groups = useMemo(() => {
    const q = query.trim().toLowerCase();
    const match = (t: NodeTypeInfo) => !q || t.title.toLowerCase().includes(q) || t.type.toLowerCase().includes(q) || t.description.toLowerCase().includes(q) || String(t.category).toLowerCase().includes(q);
    const by = new Map<string, NodeTypeInfo[]>();
    for (const t of types) {
      if (!match(t)) continue;
      const c = String(t.category || 'Other');
      if (!by.has(c)) by.set(c, []);
      by.get(c)!.push(t);
    }
    return sortCategories([...by.keys()]).map((c) => ({ category: c, items: by.get(c)!.sort((a, b) => a.title.localeCompare(b.title)) }));
  }, [types, query]);

  return (
    <aside className="flex w-64 shrink-0 flex-col border-r border-slate-200 bg-white" data-testid="palette">
      <div className="border-b border-slate-100 p-3">
        <div className="mb-2 flex items-baseline justify-between">
          <h2 className="text-xs font-semibold tracking-wide text-slate-500 uppercase">Nodes</h2>
          <span className="text-[11px] text-slate-400">drag onto the canvas</span>
        </div>
        <div className="relative">
          <SearchIcon size={14} className="pointer-events-none absolute top-1/2 left-2.5 -translate-y-1/2 text-slate-400" />
          <input
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            placeholder="Search nodes…"
            className="block w-full rounded-md border-0 bg-slate-100 py-1.5 pr-7 pl-8 text-sm text-slate-900 placeholder:text-slate-400 focus:bg-white focus:ring-2 focus:ring-indigo-500 focus:outline-none"
            data-testid="palette-search"
          />
          {query && (
            <button type="button" className="absolute top-1/2 right-1.5 -translate-y-1/2 rounded p-0.5 text-slate-400 hover:text-slate-600" onClick={() => setQuery('')} aria-label="Clear search">
              <XIcon size={13} />
            </button>
          )}
        </div>
      </div>
      <div className="scrollbar-thin min-h-0 flex-1 overflow-y-auto px-2 py-2">
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
                {g.items.map((t) => (
                  <PaletteItem key={t.type} info={t} onAdd={onAdd} />
                ))}
              </ul>
            </section>
          ))
        )}
      </div>
    </aside>
  );
}

function PaletteItem({ info, onAdd }: { info: NodeTypeInfo; onAdd(type: string): void }) {
  const st = categoryStyle(info.category);
  return (
    <li
      draggable
      onDragStart={(e) => {
        e.dataTransfer.setData(DRAG_MIME, info.type);
        e.dataTransfer.setData('text/plain', info.type);
        e.dataTransfer.effectAllowed = 'move';
      }}
      onDoubleClick={() => onAdd(info.type)}
      title={`${info.description}\n\nDrag onto the canvas (or double-click) to add.`}
      data-testid={`palette-${info.type}`}
      className="group flex cursor-grab items-start gap-2.5 rounded-lg px-2 py-1.5 select-none hover:bg-slate-50 active:cursor-grabbing"
    >
      <span className={cn('mt-0.5 flex size-7 shrink-0 items-center justify-center rounded-md text-xs font-semibold ring-1', st.icon)}><NodeGlyph type={info.type} info={info} /></span>
      <span className="min-w-0">
        <span className="block truncate text-sm font-medium text-slate-800 group-hover:text-slate-950">{info.title}</span>
        <span className="line-clamp-2 block text-xs leading-snug text-slate-500">{info.description}</span>
      </span>
    </li>
  );
}
