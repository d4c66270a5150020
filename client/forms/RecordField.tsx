import { useState } from 'react';
import { Button, IconButton } from '../components/Button.tsx';
import { PlusIcon, TrashIcon } from '../components/icons.tsx';
import { TextInput } from '../components/TextInput.tsx';
import { labelOf } from './schema.ts';
import { FieldShell } from './FieldShell.tsx';
import type { FieldProps } from './types.ts';

type Entry = [string, string];

/** A free-form map of text values (HTTP headers…): key / value rows. */
export function RecordField({ path, name, schema, value, onChange }: FieldProps<Record<string, unknown>>) {
  const obj = value && typeof value === 'object' ? value : {};
  const [rows, setRows] = useState<Entry[]>(() => Object.entries(obj).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  const emit = (next: Entry[]) => {
    setRows(next);
    const out: Record<string, unknown> = {};
    for (const [k, v] of next) if (k) out[k] = v;
    onChange(out);
  };
  return (
    <FieldShell id={path} label={labelOf(name, schema)} description={schema.description}>
      <div className="space-y-1.5">
        {rows.map(([k, v], i) => (
          <div key={i} className="flex gap-1.5">
            <TextInput className="w-2/5 font-mono text-xs" placeholder="name" value={k} onChange={(e) => emit(rows.map((r, j) => (j === i ? [e.target.value, r[1]] : r)))} data-testid={`field-${path}.${i}.key`} />
            <TextInput className="flex-1 font-mono text-xs" placeholder="value" value={v} onChange={(e) => emit(rows.map((r, j) => (j === i ? [r[0], e.target.value] : r)))} data-testid={`field-${path}.${i}.value`} />
            <IconButton label="Remove" icon={<TrashIcon size={13} />} onClick={() => emit(rows.filter((_, j) => j !== i))} />
          </div>
        ))}
        <Button size="xs" variant="ghost" icon={<PlusIcon size={13} />} onClick={() => emit([...rows, ['', '']])} data-testid={`btn-add-${path}`}>
          Add entry
        </Button>
      </div>
    </FieldShell>
  );
}
