import { useMemo } from 'react';
import { ObjectProperties } from './ObjectField.tsx';
import { resolveSchema, type JSONSchema } from './schema.ts';
import { FormOptionsContext } from './form-options.ts';
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
  toggleOptionalObjects = false,
  testId = 'schema-form',
}: {
  schema: Record<string, unknown>;
  value: Record<string, unknown>;
  onChange(next: Record<string, unknown>, changedPath: string): void;
  onNewItem?: FieldProps['onNewItem'];
  idPrefix?: string;
  /** Optional nested objects get an on/off switch (see `FormOptions`). */
  toggleOptionalObjects?: boolean;
  testId?: string;
}) {
  const root = schema as JSONSchema;
  const resolved = resolveSchema(root, root);
  const options = useMemo(() => ({ toggleOptionalObjects }), [toggleOptionalObjects]);
  return (
    <FormOptionsContext.Provider value={options}>
      <div data-testid={testId}>
        <ObjectProperties path={idPrefix} schema={resolved} root={root} value={value} onChange={(v) => onChange(v, idPrefix)} onNewItem={onNewItem} />
      </div>
    </FormOptionsContext.Provider>
  );
}
