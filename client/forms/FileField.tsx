import { useRef, useState } from 'react';
import { Button } from '../components/Button.tsx';
import { UploadIcon, XIcon } from '../components/icons.tsx';
import { errorMessage, postFile } from '../api/http.ts';
import { fileSize } from '../run/sheet-api.ts';
import { labelOf } from './schema.ts';
import { FieldShell } from './FieldShell.tsx';
import type { FieldProps } from './types.ts';
import type { KeptFileInfo } from '../api/types.ts';

/** A file chosen in the form, as the flow names it; a flow file not saved yet may still carry its bytes. */
type KeptFileValue = Partial<KeptFileInfo> & { name: string; size: number; base64?: string };

/** Sends the chosen file to the studio, which keeps it by its SHA-256 (POST /api/kept-files). */
function keepFile(file: File): Promise<KeptFileInfo> {
  return postFile<KeptFileInfo>(`/api/kept-files?name=${encodeURIComponent(file.name)}`, file, file.type || 'application/octet-stream');
}

/**
 * A param holding a file from the operator's computer (`meta({ widget: 'file', maxBytes })`, Browser:
 * attach file's Chosen file): sent to the studio, which keeps it (by its SHA-256, for every run and
 * worker, and in exports); the flow names it. Over `maxBytes` is refused here, saying so.
 */
export function FileField({ path, name, schema, value, required, onChange, compact }: FieldProps<KeptFileValue>) {
  const input = useRef<HTMLInputElement>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const maxBytes = typeof schema.maxBytes === 'number' ? schema.maxBytes : Infinity;
  const current = value && typeof value === 'object' && typeof value.name === 'string' ? value : undefined;
  // The form's newest onChange: the upload's answer is applied to the node as it is when it comes,
  // not as it was when the file was chosen (an edit made meanwhile to another field was undone).
  const latestOnChange = useRef(onChange);
  latestOnChange.current = onChange;

  const choose = async (file: File | undefined) => {
    if (!file) return;
    if (file.size > maxBytes) {
      setProblem(`“${file.name}” is ${fileSize(file.size)}; a file chosen here can be at most ${fileSize(maxBytes)}.`);
      return;
    }
    setSending(true);
    try {
      const kept = await keepFile(file);
      latestOnChange.current(kept);
      setProblem(null);
    } catch (err) {
      setProblem(`“${file.name}” could not be kept: ${errorMessage(err)}`);
    } finally {
      setSending(false);
    }
  };

  return (
    <FieldShell id={path} label={labelOf(name, schema)} description={schema.description} required={required} problem={problem} compact={compact}>
      <div className="flex items-center gap-2" data-testid={`field-${path}`}>
        {current ? (
          <span className="min-w-0 flex-1 truncate text-sm text-slate-700 dark:text-slate-200" data-testid={`file-${path}`} title={current.name}>
            {current.name} <span className="text-xs text-slate-500">· {fileSize(current.size)}</span>
          </span>
        ) : (
          <span className="flex-1 text-sm text-slate-400">No file chosen</span>
        )}
        <Button size="xs" icon={<UploadIcon size={13} />} loading={sending} onClick={() => input.current?.click()} data-testid={`choose-file-${path}`}>
          {current ? 'Replace…' : 'Choose a file…'}
        </Button>
        {current && !required && (
          <Button size="xs" variant="ghost" icon={<XIcon size={13} />} onClick={() => onChange(undefined)} data-testid={`remove-file-${path}`} aria-label="Remove the file">
            Remove
          </Button>
        )}
        <input
          ref={input}
          id={`f-${path}`}
          type="file"
          className="hidden"
          data-testid={`file-input-${path}`}
          onChange={(e) => {
            void choose(e.target.files?.[0]);
            e.target.value = '';
          }}
        />
      </div>
    </FieldShell>
  );
}
