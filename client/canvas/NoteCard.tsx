import { memo } from 'react';
import { NodeResizer, type NodeProps } from '@xyflow/react';
import { NOTE_COLORS } from '../../server/contract/flow/schema.ts';
import { NOTE_PREFIX, type NoteNode } from '../stores/flow-doc.ts';
import { useFlowStore } from '../stores/flow-store.ts';
import { cn } from '../lib/cn.ts';

const TONES: Record<(typeof NOTE_COLORS)[number], { card: string; swatch: string }> = {
  yellow: { card: 'bg-amber-100 ring-amber-300 dark:bg-amber-900/60 dark:ring-amber-700', swatch: 'bg-amber-300' },
  blue: { card: 'bg-sky-100 ring-sky-300 dark:bg-sky-900/60 dark:ring-sky-700', swatch: 'bg-sky-300' },
  green: { card: 'bg-emerald-100 ring-emerald-300 dark:bg-emerald-900/60 dark:ring-emerald-700', swatch: 'bg-emerald-300' },
  pink: { card: 'bg-pink-100 ring-pink-300 dark:bg-pink-900/60 dark:ring-pink-700', swatch: 'bg-pink-300' },
  gray: { card: 'bg-slate-100 ring-slate-300 dark:bg-slate-800 dark:ring-slate-600', swatch: 'bg-slate-300' },
};

/**
 * A sticky note on the canvas: free text, resizable from its corners when selected, in one of five
 * colours. Notes are part of the flow file (`notes`) and never run.
 */
function NoteCardImpl({ id, data, selected }: NodeProps<NoteNode>) {
  const tone = TONES[data.color ?? 'yellow'] ?? TONES.yellow;
  const update = useFlowStore((s) => s.updateNote);
  return (
    <div className={cn('flex h-full w-full flex-col rounded-lg shadow-sm ring-1', tone.card, selected && 'ring-2 ring-indigo-500')} data-testid={`note-${id.slice(NOTE_PREFIX.length)}`} data-color={data.color ?? 'yellow'}>
      <NodeResizer isVisible={!!selected} minWidth={120} minHeight={60} lineClassName="!border-indigo-400" handleClassName="!size-2.5 !rounded-sm !border-indigo-500 !bg-white" />
      <div className="flex h-5 shrink-0 cursor-grab items-center gap-1 px-2 pt-1" title="Drag to move">
        {selected &&
          NOTE_COLORS.map((c) => (
            <button
              key={c}
              type="button"
              aria-label={`Colour ${c}`}
              title={c}
              data-testid={`note-color-${c}`}
              onClick={() => update(id, { color: c })}
              className={cn('nodrag size-3 rounded-full ring-1 ring-black/10', TONES[c].swatch, (data.color ?? 'yellow') === c && 'ring-2 ring-slate-700 dark:ring-white')}
            />
          ))}
      </div>
      <textarea
        value={data.text}
        onChange={(e) => update(id, { text: e.target.value }, `note-text:${id}`)}
        placeholder="Write a note…"
        aria-label="Note text"
        className="nodrag nowheel min-h-0 flex-1 resize-none bg-transparent px-2.5 pb-2 text-[13px] leading-snug text-slate-800 placeholder:text-slate-500/70 focus:outline-none dark:text-slate-100"
        data-testid="note-text"
      />
    </div>
  );
}

export const NoteCard = memo(NoteCardImpl);
