import { useRef, useState } from 'react';
import { Button } from '../components/Button.tsx';
import { UploadIcon, XIcon } from '../components/icons.tsx';
import { labelOf } from './schema.ts';
import { FieldShell } from './FieldShell.tsx';
import type { FieldProps } from './types.ts';

/** A file chosen in the form, as the flow keeps it (nodes/sdk/kept-file.ts). */
export interface KeptFileValue {
  name: string;
  type: string;
  size: number;
  base64: string;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} byte${n === 1 ? '' : 's'}`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** The file's bytes in base64, read in the browser (a data: URL without its prefix). */
function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'));
    reader.readAsDataURL(file);
  });
}

/**
 * A param holding a file from the operator's computer (`meta({ widget: 'file', maxBytes })`, Browser:
 * attach file's Chosen file): read in the browser and kept in the flow itself — no upload, so it goes
 * with the flow when saved, exported or run by workers. Over `maxBytes` is refused here, saying so.
 */
export function FileField({ path, name, schema, value, required, onChange, compact }: FieldProps<KeptFileValue>) {
  const input = useRef<HTMLInputElement>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [reading, setReading] = useState(false);
  const maxBytes = typeof schema.maxBytes === 'number' ? schema.maxBytes : Infinity;
  const current = value && typeof value === 'object' && typeof value.name === 'string' ? value : undefined;

  const choose = async (file: File | undefined) => {
    if (!file) return;
    if (file.size > maxBytes) {
      setProblem(`“${file.name}” is ${formatBytes(file.size)}; a file kept in the flow can be at most ${formatBytes(maxBytes)}. Give a larger file from the record instead (Content is base64).`);
      return;
    }
    setReading(true);
    try {
      onChange({ name: file.name, type: file.type, size: file.size, base64: await readBase64(file) });
      setProblem(null);
    } catch (err) {
      setProblem(`“${file.name}” could not be read (${(err as Error).message}): choose it again.`);
    } finally {
      setReading(false);
    }
  };

  return (
    <FieldShell id={path} label={labelOf(name, schema)} description={schema.description} required={required} problem={problem} compact={compact}>
      <div className="flex items-center gap-2" data-testid={`field-${path}`}>
        {current ? (
          <span className="min-w-0 flex-1 truncate text-sm text-slate-700 dark:text-slate-200" data-testid={`file-${path}`} title={current.name}>
            {current.name} <span className="text-xs text-slate-500">· {formatBytes(current.size)}</span>
          </span>
        ) : (
          <span className="flex-1 text-sm text-slate-400">No file chosen</span>
        )}
        <Button size="xs" icon={<UploadIcon size={13} />} loading={reading} onClick={() => input.current?.click()} data-testid={`choose-file-${path}`}>
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
