import { useMemo, useState } from 'react';
import { Button } from '../components/Button.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { PlayIcon } from '../components/icons.tsx';
import { TextArea } from '../components/TextInput.tsx';
import { cn } from '../lib/cn.ts';
import type { RunInputBody } from '../api/types.ts';
import { parseRunInput, type InputFormat } from './run-input.ts';

/** Asks for the run's input (empty = the trigger's own records), then starts it. */
export function RunDialog({ open, onClose, onStart, dirty }: { open: boolean; onClose(): void; onStart(input: RunInputBody | undefined): Promise<boolean>; dirty: boolean }) {
  const [text, setText] = useState('');
  const [format, setFormat] = useState<InputFormat>('auto');
  const [busy, setBusy] = useState(false);
  const parsed = useMemo(() => parseRunInput(text, format), [text, format]);

  const start = async () => {
    if (!parsed.ok || busy) return;
    setBusy(true);
    try {
      if (await onStart(parsed.input)) onClose();
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open={open}
      onClose={onClose}
      title="Run this flow"
      description="Paste the records to process, or leave the box empty to use the records of the trigger."
      size="lg"
      testId="run-dialog"
      footer={
        <>
          <span className="mr-auto text-xs text-slate-500" data-testid="run-input-summary">
            {!parsed.ok ? '' : parsed.count !== undefined ? `${parsed.count} record${parsed.count === 1 ? '' : 's'} to run` : "Using the trigger's own records"}
            {dirty && ' · unsaved changes will be saved first'}
          </span>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" icon={<PlayIcon size={13} />} onClick={start} disabled={!parsed.ok} loading={busy} data-testid="btn-start-run">
            Start run
          </Button>
        </>
      }
    >
      <div className="mb-2 flex items-center gap-1 text-xs">
        <span className="mr-1 text-slate-500">Format</span>
        {(['auto', 'json', 'csv'] as const).map((f) => (
          <button
            key={f}
            type="button"
            onClick={() => setFormat(f)}
            className={cn('rounded-md px-2 py-1 font-medium', format === f ? 'bg-indigo-50 text-indigo-700 ring-1 ring-indigo-200' : 'text-slate-600 hover:bg-slate-100')}
            data-testid={`run-format-${f}`}
          >
            {f === 'auto' ? 'Detect' : f.toUpperCase()}
          </button>
        ))}
      </div>
      <TextArea
        rows={10}
        value={text}
        onChange={(e) => setText(e.target.value)}
        spellCheck={false}
        className="font-mono text-xs"
        invalid={!parsed.ok}
        placeholder={'[\n  { "name": "Ada", "n": 12 },\n  { "name": "Linus", "n": 3 }\n]\n\nor CSV:\nname,n\nAda,12'}
        data-testid="run-input"
        onKeyDown={(e) => {
          if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') void start();
        }}
      />
      {!parsed.ok && (
        <p className="mt-2 text-sm text-rose-600" data-testid="run-input-error">
          {parsed.error}
        </p>
      )}
    </Dialog>
  );
}
