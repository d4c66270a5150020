import { TextInput } from '../components/TextInput.tsx';
import { fieldProblem, labelOf } from './schema.ts';
import { FieldShell } from './FieldShell.tsx';
import type { FieldProps } from './types.ts';

export function StringField({ path, name, schema, value, required, onChange, compact }: FieldProps<string | null>) {
  const v = typeof value === 'string' ? value : '';
  const problem = fieldProblem(schema, value, required);
  return (
    <FieldShell id={path} label={labelOf(name, schema)} description={schema.description} required={required} problem={problem} compact={compact}>
      <TextInput
        id={`f-${path}`}
        data-testid={`field-${path}`}
        value={v}
        invalid={!!problem}
        placeholder={typeof schema.default === 'string' && schema.default ? schema.default : schema.placeholder ?? (schema.examples?.[0] as string | undefined)}
        onChange={(e) => onChange(e.target.value === '' && !required ? (schema.nullable ? null : undefined) : e.target.value)}
        type={schema.format === 'uri' ? 'url' : schema.format === 'email' ? 'email' : 'text'}
      />
    </FieldShell>
  );
}
