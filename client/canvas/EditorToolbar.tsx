import { Link } from 'react-router';
import { useReactFlow } from '@xyflow/react';
import { useFlowStore } from '../stores/flow-store.ts';
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
  const { fitView } = useReactFlow();

  return (
    <div className="flex h-12 shrink-0 items-center gap-3 border-b border-slate-200 bg-white px-3" data-testid="editor-toolbar">
      <Link to="/" className="flex items-center gap-1 rounded-md px-1.5 py-1 text-sm text-slate-500 hover:bg-slate-100 hover:text-slate-800" title="Back to flows">
        <ArrowLeftIcon size={15} />
      </Link>
      <div className="flex min-w-0 items-center gap-2">
        <h1 className="truncate text-[15px] font-semibold text-slate-900" data-testid="flow-title">
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

      <div className="ml-2 flex items-center gap-0.5 border-l border-slate-200 pl-3">
        <IconButton label="Undo (Ctrl+Z)" icon={<UndoIcon />} onClick={undo} disabled={!canUndo} data-testid="btn-undo" />
        <IconButton label="Redo (Ctrl+Shift+Z)" icon={<RedoIcon />} onClick={redo} disabled={!canRedo} data-testid="btn-redo" />
        <IconButton label="Fit view" icon={<FitIcon />} onClick={() => void fitView({ padding: 0.25, maxZoom: 1.1, duration: 250 })} data-testid="btn-fit" />
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
