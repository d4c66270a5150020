import { Link } from 'react-router';
import { useState } from 'react';
import { Ban, Network, PanelRight, StickyNote } from 'lucide-react';
import { useFlowStore } from '../stores/flow-store.ts';
import { useUiPrefs } from '../stores/ui-prefs-store.ts';
import { toast } from '../stores/toast-store.ts';
import { nodeTypeInfo } from '../stores/catalog-store.ts';
import { layoutFlow } from './layout.ts';
import { layoutInput, useFitFlow } from './use-auto-fit.ts';
import { NOTE_SIZE } from '../stores/flow-doc.ts';
import { boxOf, usePlaceNode } from './placement.ts';
import { notesFollow } from './notes-follow.ts';
import { Button, IconButton } from '../components/Button.tsx';
import { ArrowLeftIcon, DownloadIcon, FitIcon, PlayIcon, RedoIcon, SaveIcon, UndoIcon } from '../components/icons.tsx';
import { Kbd } from '../components/Kbd.tsx';
import { cn } from '../lib/cn.ts';
import { RunsMenu } from '../data/RunsMenu.tsx';

export function EditorToolbar({ onSave, onRun, onExport, saving, running }: { onSave(): void; onRun(): void; onExport(): void; saving: boolean; running: boolean }) {
  const name = useFlowStore((s) => s.meta?.name ?? '');
  const dirty = useFlowStore((s) => s.dirty);
  const canUndo = useFlowStore((s) => s.history.past.length > 0);
  const canRedo = useFlowStore((s) => s.history.future.length > 0);
  const undo = useFlowStore((s) => s.undo);
  const redo = useFlowStore((s) => s.redo);
  const fit = useFitFlow();
  const place = usePlaceNode();
  const prefs = useUiPrefs();
  const [laying, setLaying] = useState(false);
  const canDisable = useFlowStore((s) => s.nodes.some((n) => n.selected && !nodeTypeInfo(n.data.type)?.trigger));

  /** Auto-layout: one undo step, then fit the result into view. */
  const autoLayout = async () => {
    const input = layoutInput();
    if (!input.nodes.length) return;
    setLaying(true);
    try {
      const positions = await layoutFlow(input.nodes, input.edges);
      // The sticky notes go with the cards they are about (same undo step).
      const cards = input.nodes.map((n) => ({ id: n.id, x: n.position?.x ?? 0, y: n.position?.y ?? 0, width: n.width, height: n.height }));
      const notes = useFlowStore.getState().notes.map((n) => ({ id: n.id, ...boxOf(n) }));
      useFlowStore.getState().setPositions({ ...positions, ...notesFollow(notes, cards, positions) });
      requestAnimationFrame(() => void fit(250));
    } catch (err) {
      toast.error('Could not lay the flow out', err instanceof Error ? err.message : String(err));
    } finally {
      setLaying(false);
    }
  };

  return (
    <div className="flex h-12 shrink-0 items-center gap-3 border-b border-slate-200 bg-white px-3 dark:border-slate-700 dark:bg-slate-900" data-testid="editor-toolbar">
      <Link to="/" className="flex items-center gap-1 rounded-md px-1.5 py-1 text-sm text-slate-500 hover:bg-slate-100 hover:text-slate-800" title="Back to flows">
        <ArrowLeftIcon size={15} />
      </Link>
      <div className="flex min-w-0 items-center gap-2">
        <h1 className="truncate text-[15px] font-semibold text-slate-900 dark:text-slate-100" data-testid="flow-title">
          {name || 'Untitled flow'}
        </h1>
        <span
          className={cn('inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium', dirty ? 'bg-amber-50 text-amber-700 ring-1 ring-amber-200' : 'text-slate-400')}
          data-testid="dirty-indicator"
          data-dirty={dirty ? 'true' : 'false'}
        >
          <span className={cn('size-1.5 rounded-full', dirty ? 'bg-amber-500' : 'bg-emerald-500')} />
          {dirty ? 'Unsaved changes' : 'Saved'}
        </span>
      </div>

      <div className="ml-2 flex items-center gap-0.5 border-l border-slate-200 pl-3 dark:border-slate-700">
        <IconButton label="Undo (Ctrl+Z)" icon={<UndoIcon />} onClick={undo} disabled={!canUndo} data-testid="btn-undo" />
        <IconButton label="Redo (Ctrl+Shift+Z)" icon={<RedoIcon />} onClick={redo} disabled={!canRedo} data-testid="btn-redo" />
        <IconButton label="Fit view" icon={<FitIcon />} onClick={() => void fit(250)} data-testid="btn-fit" />
        <IconButton label="Auto-layout (tidy the flow left to right)" icon={<Network size={16} className="-rotate-90" />} onClick={() => void autoLayout()} disabled={laying} data-testid="btn-layout" />
        <IconButton
          label="Add a sticky note"
          icon={<StickyNote size={16} />}
          onClick={() => useFlowStore.getState().addNote(place(NOTE_SIZE), NOTE_SIZE)}
          data-testid="btn-add-note"
        />
        <IconButton label="Disable / enable the selected steps (D)" icon={<Ban size={16} />} onClick={() => useFlowStore.getState().toggleDisabled()} disabled={!canDisable} data-testid="btn-disable" />
      </div>
      <div className="flex items-center gap-0.5 border-l border-slate-200 pl-3 dark:border-slate-700">
        <IconButton
          label={prefs.inspectorCollapsed ? 'Show the inspector' : 'Hide the inspector'}
          icon={<PanelRight size={16} />}
          onClick={() => prefs.toggle('inspector')}
          className={cn(!prefs.inspectorCollapsed && 'bg-slate-100 dark:bg-slate-800')}
          aria-pressed={!prefs.inspectorCollapsed}
          data-testid="btn-toggle-inspector"
        />
      </div>

      <div className="ml-auto flex items-center gap-2">
        <RunsMenu />
        <Button size="sm" icon={<DownloadIcon size={14} />} onClick={onExport} data-testid="btn-export">
          Export
        </Button>
        <Button size="sm" icon={<SaveIcon size={14} />} onClick={onSave} loading={saving} disabled={!dirty && !saving} data-testid="btn-save" title="Save (Ctrl+S)">
          Save <Kbd>Ctrl S</Kbd>
        </Button>
        <Button size="sm" variant="primary" icon={<PlayIcon size={13} />} onClick={onRun} disabled={running} data-testid="btn-run" title={running ? 'A run of this flow is in progress' : 'Run this flow'}>
          Run
        </Button>
      </div>
    </div>
  );
}
