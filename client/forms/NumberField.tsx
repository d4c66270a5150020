import { useEffect, useState } from 'react';
import { TextInput } from '../components/TextInput.tsx';
import { fieldProblem, labelOf } from './schema.ts';
import { FieldShell } from './FieldShell.tsx';
import type { FieldProps } from './types.ts';

/** Number or integer; keeps what is being typed ("1.", "-") until it parses. */
export function NumberField({ path, name, schema, value, required, onChange, compact }: FieldProps<number | null>) {
  const integer = schema.type === 'integer';
  const [text, setText] = useState(value == null ? '' : String(value));
  useEffect(() => {
    setText((t) => (Number(t) === value && t.trim() !== '' ? t : value == null ? '' : String(value)));
  }, [value]);
  const parsed = text.trim() === '' ? undefined : Number(text);
  const typeProblem = parsed !== undefined && (!Number.isFinite(parsed) || (integer && !Number.isInteger(parsed))) ? (integer ? 'A whole number.' : 'A number.') : null;
  // The limits are checked on what is typed: a form that refuses the number (the flow's concurrency)
  // keeps its last value, and the field must not look fine while showing another.
  const problem = typeProblem ?? fieldProblem(schema, parsed, required);
  const max = schema.maximum !== undefined && schema.maximum < Number.MAX_SAFE_INTEGER ? schema.maximum : undefined;
  return (
    <FieldShell id={path} label={labelOf(name, schema)} description={schema.description} required={required} problem={problem} compact={compact}>
      <TextInput
        id={`f-${path}`}
        data-testid={`field-${path}`}
        inputMode={integer ? 'numeric' : 'decimal'}
        value={text}
        invalid={!!problem}
        min={schema.minimum}
        max={max}
        placeholder={schema.default !== undefined ? String(schema.default) : schema.placeholder}
        onChange={(e) => {
          const t = e.target.value;
          setText(t);
          if (t.trim() === '') return onChange(schema.nullable ? null : undefined);
          const n = Number(t);
          if (Number.isFinite(n) && (!integer || Number.isInteger(n))) onChange(n);
        }}
      />
    </FieldShell>
  );
}
