import { TextArea } from '../components/TextInput.tsx';
import { cn } from '../lib/cn.ts';
import { fieldProblem, labelOf } from './schema.ts';
import { FieldShell } from './FieldShell.tsx';
import type { FieldProps } from './types.ts';

/** Multi-line text; `template` widgets use a monospace font. */
export function TextareaField({ path, name, schema, value, required, onChange, compact }: FieldProps<string>) {
  const problem = fieldProblem(schema, value, required);
  const mono = schema.widget === 'template' || schema.widget === 'textarea';
  return (
    <FieldShell id={path} label={labelOf(name, schema)} description={schema.description} required={required} problem={problem} compact={compact}>
      <TextArea
        id={`f-${path}`}
        data-testid={`field-${path}`}
        value={typeof value === 'string' ? value : ''}
        invalid={!!problem}
        rows={schema.widget === 'template' ? 4 : 6}
        spellCheck={false}
        className={cn(mono && 'font-mono text-xs leading-relaxed')}
        placeholder={schema.placeholder ?? (schema.examples?.[0] as string | undefined)}
        onChange={(e) => onChange(e.target.value)}
      />
    </FieldShell>
  );
}
