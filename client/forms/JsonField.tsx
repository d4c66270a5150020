import { useEffect, useState } from 'react';
import { TextArea } from '../components/TextInput.tsx';
import { labelOf } from './schema.ts';
import { FieldShell } from './FieldShell.tsx';
import type { FieldProps } from './types.ts';

/** Anything the form cannot draw otherwise: edited as JSON text. */
export function JsonField({ path, name, schema, value, required, onChange, compact }: FieldProps<unknown>) {
  const [text, setText] = useState(value === undefined ? '' : JSON.stringify(value, null, 2));
  const [bad, setBad] = useState<string | null>(null);
  useEffect(() => {
    setText((t) => {
      try {
        if (t.trim() && JSON.stringify(JSON.parse(t)) === JSON.stringify(value)) return t;
      } catch {
        /* keep typing */
        return t;
      }
      return value === undefined ? '' : JSON.stringify(value, null, 2);
    });
  }, [value]);
  return (
    <FieldShell id={path} label={labelOf(name, schema)} description={schema.description} required={required} problem={bad} compact={compact} aside={<span className="text-[10px] font-medium text-slate-400">JSON</span>}>
      <TextArea
        id={`f-${path}`}
        data-testid={`field-${path}`}
        rows={4}
        spellCheck={false}
        className="font-mono text-xs"
        value={text}
        invalid={!!bad}
        onChange={(e) => {
          setText(e.target.value);
          if (!e.target.value.trim()) {
            setBad(null);
            return onChange(undefined);
          }
          try {
            onChange(JSON.parse(e.target.value));
            setBad(null);
          } catch (err) {
            setBad(`Not valid JSON yet: ${(err as Error).message}`);
          }
        }}
      />
    </FieldShell>
  );
}
