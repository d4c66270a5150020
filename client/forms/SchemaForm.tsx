import { ObjectProperties } from './ObjectField.tsx';
import { resolveSchema, type JSONSchema } from './schema.ts';
import type { FieldProps } from './types.ts';

/**
 * A form generated from a JSON Schema object: one field per property (string, number, boolean,
 * enum → select, arrays → repeatable rows, nested objects → fieldsets, `widget` hints for
 * expressions and long text). Fully controlled: `onChange` gets the whole new value.
 */
export function SchemaForm({
  schema,
  value,
  onChange,
  onNewItem,
  idPrefix = '',
}: {
  schema: Record<string, unknown>;
  value: Record<string, unknown>;
  onChange(next: Record<string, unknown>, changedPath: string): void;
  onNewItem?: FieldProps['onNewItem'];
  idPrefix?: string;
}) {
  const root = schema as JSONSchema;
  const resolved = resolveSchema(root, root);
  return (
    <div data-testid="schema-form">
      <ObjectProperties path={idPrefix} schema={resolved} root={root} value={value} onChange={(v) => onChange(v, idPrefix)} onNewItem={onNewItem} />
    </div>
  );
}
