import { fieldProblem, labelOf } from './schema.ts';
import { FieldShell } from './FieldShell.tsx';
import { ExpressionPreview } from './ExpressionPreview.tsx';
import { CodeField } from './CodeField.tsx';
import { useExpressionSample } from './expression-sample.ts';
import type { FieldProps } from './types.ts';

const NO_FIELDS: string[] = [];

/**
 * A JSONata expression (ƒx) or a text template with `{{ expression }}` placeholders ({{ }}):
 * highlighted, completing field names known from the sample record and the previous steps, a
 * syntax mistake shown as it is typed (with its position), a valid one previewed on the sample.
 */
export function ExpressionField({ path, name, schema, value, required, onChange, compact }: FieldProps<string>) {
  const template = schema.widget === 'template';
  const v = typeof value === 'string' ? value : '';
  const problem = fieldProblem(schema, value, required);
  const sample = useExpressionSample();
  const label = labelOf(name, schema);
  return (
    <FieldShell
      id={path}
      label={label}
      description={schema.description}
      required={required}
      problem={problem}
      compact={compact}
      aside={
        template ? (
          <span className="rounded bg-violet-50 px-1 font-mono text-[10px] font-semibold text-violet-600 ring-1 ring-violet-200" title="Text with {{ expression }} placeholders">
            {'{{ }}'}
          </span>
        ) : (
          <span className="rounded bg-violet-50 px-1 font-mono text-[10px] font-semibold text-violet-600 ring-1 ring-violet-200" title="JSONata expression">
            ƒx
          </span>
        )
      }
    >
      <CodeField
        id={`f-${path}`}
        testId={`field-${path}`}
        mode={template ? 'template' : 'expression'}
        value={v}
        onChange={onChange}
        placeholder={(schema.examples?.[0] as string | undefined) ?? schema.placeholder ?? (template ? 'Text with {{ fieldName }}' : 'e.g. $number(amount) * 2')}
        fields={sample?.fields ?? NO_FIELDS}
        invalid={!!problem}
        minLines={template && !compact ? 3 : 1}
        label={typeof label === 'string' ? label : undefined}
      />
      {!problem && <ExpressionPreview path={path} source={v} template={template} />}
    </FieldShell>
  );
}
