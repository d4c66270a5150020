import { useRef, useState } from 'react';
import { Button } from '../components/Button.tsx';
import { UploadIcon } from '../components/icons.tsx';
import { errorMessage } from '../api/http.ts';
import { cn } from '../lib/cn.ts';
import { fileSize, isSheetFile, SHEET_ACCEPT, uploadSheet, type UploadedFile } from './sheet-api.ts';

/**
 * Picks an .xlsx, .ods or .csv file (button or drop) and uploads it at once; the parent keeps the
 * answer (its id goes to the run as `input.fileId`).
 */
export function SheetFilePicker({ file, onFile, onBusy }: { file: UploadedFile | null; onFile(file: UploadedFile | null): void; onBusy(busy: boolean): void }) {
  const input = useRef<HTMLInputElement>(null);
  const [uploading, setUploading] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [over, setOver] = useState(false);

  const take = async (picked: File | undefined) => {
    if (!picked) return;
    setError(null);
    if (!isSheetFile(picked.name)) {
      setError(`"${picked.name}" is not a spreadsheet file (.xlsx, .ods, .csv, .tsv or .txt). Save it as "Excel workbook (.xlsx)", "OpenDocument spreadsheet (.ods)" or "CSV UTF-8 (.csv)" first.`);
      return;
    }
    setUploading(picked.name);
    onBusy(true);
    onFile(null);
    try {
      onFile(await uploadSheet(picked));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setUploading(null);
      onBusy(false);
      if (input.current) input.current.value = '';
    }
  };

  return (
    <div>
      <div
        className={cn(
          'flex items-center gap-3 rounded-lg border border-dashed px-4 py-5 transition-colors',
          over ? 'border-indigo-400 bg-indigo-50/60' : 'border-slate-300 bg-slate-50/50',
        )}
        onDragOver={(e) => {
          if (!Array.from(e.dataTransfer.types).includes('Files')) return;
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          void take(e.dataTransfer.files?.[0]);
        }}
        data-testid="run-file-drop"
      >
        <div className="min-w-0 flex-1 text-sm">
          {uploading ? (
            <span className="text-slate-600">Uploading {uploading}…</span>
          ) : file ? (
            <span className="text-slate-800" data-testid="run-file-info">
              <span className="font-medium">{file.name}</span> <span className="text-slate-500">· {fileSize(file.size)}</span>
            </span>
          ) : (
            <span className="text-slate-500">Drop an Excel (.xlsx), OpenDocument (.ods) or CSV file here, or choose one.</span>
          )}
        </div>
        <Button icon={<UploadIcon size={13} />} onClick={() => input.current?.click()} loading={uploading !== null} data-testid="run-file-pick">
          {file ? 'Choose another' : 'Choose file'}
        </Button>
        <input
          ref={input}
          type="file"
          accept={SHEET_ACCEPT}
          className="hidden"
          onChange={(e) => void take(e.target.files?.[0])}
          data-testid="run-file-input"
        />
      </div>
      <p className="mt-1.5 text-xs text-slate-500">The flow must start with a Spreadsheet trigger; its Columns setting maps the file's columns to fields and says which rows to reject.</p>
      {error && (
        <p className="mt-2 text-sm text-rose-600" data-testid="run-file-error">
          {error}
        </p>
      )}
    </div>
  );
}
