import { useEffect, useMemo, useState } from 'react';
import { Button } from '../components/Button.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { CheckIcon, PlayIcon } from '../components/icons.tsx';
import { TextArea } from '../components/TextInput.tsx';
import { cn } from '../lib/cn.ts';
import { errorMessage } from '../api/http.ts';
import type { RunInputBody } from '../api/types.ts';
import { useFlowStore } from '../stores/flow-store.ts';
import { useCatalog } from '../stores/catalog-store.ts';
import { parseRunInput, type InputFormat } from './run-input.ts';
import { PreflightReport } from './PreflightReport.tsx';
import { SheetFilePicker } from './SheetFilePicker.tsx';
import { fileSize, preflightFlow, type PreflightResult, type RunInputWithFile, type UploadedFile } from './sheet-api.ts';

type Mode = InputFormat | 'file';

const MODES: Array<{ id: Mode; label: string }> = [
  { id: 'auto', label: 'Detect' },
  { id: 'json', label: 'JSON' },
  { id: 'csv', label: 'CSV' },
  { id: 'file', label: 'Spreadsheet file' },
];

/**
 * Asks for the run's input — pasted records (empty = the trigger's own records) or a spreadsheet
 * file — offers a dry check of it, then starts the run.
 */
export function RunDialog({
  open,
  onClose,
  onStart,
  dirty,
}: {
  open: boolean;
  onClose(): void;
  onStart(input: RunInputBody | undefined, options: { reprocess: boolean }): Promise<boolean>;
  dirty: boolean;
}) {
  const [text, setText] = useState('');
  const [reprocess, setReprocess] = useState(false);
  const businessKey = useFlowStore((s) => s.meta?.settings.businessKey ?? '');
  const [mode, setMode] = useState<Mode>('auto');
  const [file, setFile] = useState<UploadedFile | null>(null);
  const [uploading, setUploading] = useState(false);
  const [busy, setBusy] = useState(false);
  const [checking, setChecking] = useState(false);
  const [report, setReport] = useState<PreflightResult | null>(null);
  const [checkError, setCheckError] = useState<string | null>(null);
  // The flow's trigger, as the catalog describes it: one that reads a spreadsheet (`acceptsFile`)
  // is offered the file input. One whose records come from its own form as well (a grouped trigger:
  // groups of search terms) opens on them; the others (Spreadsheet) open on the file.
  const trigger = useFlowStore((s) => {
    const byType = useCatalog.getState().byType;
    const t = s.nodes.find((n) => byType[n.data.type]?.trigger);
    return t ? t.data.type : null;
  });
  const triggerInfo = useCatalog((s) => (trigger ? s.byType[trigger] : undefined));
  const acceptsFile = !!triggerInfo?.acceptsFile;
  const sheetTrigger = acceptsFile && !triggerInfo?.grouped;
  const modes = MODES.filter((m) => m.id !== 'file' || acceptsFile);
  const fileMode = mode === 'file';
  const parsed = useMemo(() => parseRunInput(text, fileMode ? 'auto' : mode), [text, mode, fileMode]);

  // A flow that starts with a Spreadsheet trigger wants a file: open on that mode.
  useEffect(() => {
    if (open && sheetTrigger) setMode('file');
    else if (open && !acceptsFile) setMode((m) => (m === 'file' ? 'auto' : m));
  }, [open, sheetTrigger, acceptsFile]);

  // A dry check answers for the input (and the reprocess choice) it was given: forget it when they change.
  useEffect(() => {
    setReport(null);
    setCheckError(null);
  }, [text, mode, file, reprocess]);

  const input: { ok: true; value: RunInputWithFile | undefined } | { ok: false } = fileMode
    ? file
      ? { ok: true, value: { fileId: file.id } }
      : { ok: false }
    : parsed.ok
      ? { ok: true, value: parsed.input }
      : { ok: false };

  const start = async () => {
    if (!input.ok || busy || uploading) return;
    setBusy(true);
    try {
      if (await onStart(input.value, { reprocess })) onClose();
    } finally {
      setBusy(false);
    }
  };

  const dryCheck = async () => {
    const store = useFlowStore.getState();
    if (!input.ok || !store.meta || checking) return;
    setChecking(true);
    setCheckError(null);
    try {
      // Checked as the run would start: with "reprocess", keys done before are not skipped.
      setReport(await preflightFlow(store.meta.id, input.value, store.document(), reprocess));
    } catch (err) {
      setReport(null);
      setCheckError(errorMessage(err));
    } finally {
      setChecking(false);
    }
  };

  const summary = fileMode
    ? file
      ? `${file.name} · ${fileSize(file.size)}`
      : uploading
        ? 'Uploading…'
        : 'Choose a spreadsheet file'
    : !parsed.ok
      ? ''
      : parsed.count !== undefined
        ? `${parsed.count} record${parsed.count === 1 ? '' : 's'} to run`
        : "Using the trigger's own records";

  return (
    <Dialog
      open={open}
      onClose={onClose}
      title="Run this flow"
      description="Paste the records to process, choose a spreadsheet file, or leave the box empty to use the records of the trigger. Dry check shows what would run, without running anything."
      size="lg"
      testId="run-dialog"
      footer={
        <>
          <span className="mr-auto text-xs text-slate-500" data-testid="run-input-summary">
            {summary}
            {dirty && ' · unsaved changes will be saved first'}
          </span>
          <Button onClick={onClose}>Cancel</Button>
          <Button icon={<CheckIcon size={13} />} onClick={dryCheck} disabled={!input.ok || uploading} loading={checking} data-testid="btn-dry-check">
            Dry check
          </Button>
          <Button variant="primary" icon={<PlayIcon size={13} />} onClick={start} disabled={!input.ok || uploading} loading={busy} data-testid="btn-start-run">
            Start run
          </Button>
        </>
      }
    >
      <div className="mb-2 flex items-center gap-1 text-xs">
        <span className="mr-1 text-slate-500">Input</span>
        {modes.map((m) => (
          <button
            key={m.id}
            type="button"
            onClick={() => setMode(m.id)}
            className={cn('rounded-md px-2 py-1 font-medium', mode === m.id ? 'bg-indigo-50 text-indigo-700 ring-1 ring-indigo-200' : 'text-slate-600 hover:bg-slate-100')}
            data-testid={`run-format-${m.id}`}
          >
            {m.label}
          </button>
        ))}
      </div>
      {businessKey && (
        <label className="mb-2 flex items-center gap-2 text-xs text-slate-600" data-testid="run-reprocess">
          <input type="checkbox" checked={reprocess} onChange={(e) => setReprocess(e.target.checked)} className="accent-indigo-600" />
          Also process records whose <span className="font-mono">{businessKey}</span> already succeeded in an earlier run, or waits for review or is in doubt there (otherwise they are skipped)
        </label>
      )}
      {fileMode ? (
        <SheetFilePicker file={file} onFile={setFile} onBusy={setUploading} />
      ) : (
        <>
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
        </>
      )}
      {checkError && (
        <p className="mt-2 text-sm text-rose-600" data-testid="preflight-error">
          {checkError}
        </p>
      )}
      {report && <PreflightReport result={report} />}
    </Dialog>
  );
}
