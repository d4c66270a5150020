import { Select } from '../components/TextInput.tsx';
import { labelOf, offersEmptyChoice } from './schema.ts';
import { FieldShell } from './FieldShell.tsx';
import type { FieldProps } from './types.ts';

const keyOf = (o: unknown) => (typeof o === 'string' ? o : JSON.stringify(o));
const labelOfOption = (o: unknown) => (typeof o === 'string' ? o.replace(/_/g, ' ') : String(o));

/** One of a fixed list: a select (values keep their JSON type; option values are the raw strings). */
export function EnumField({ path, name, schema, value, required, onChange, compact }: FieldProps<unknown>) {
  const options = schema.enum ?? (schema.const !== undefined ? [schema.const] : []);
  const current = value === undefined ? schema.default : value;
  const known = options.some((o) => o === current);
  const allowEmpty = offersEmptyChoice(schema, required, known);
  return (
    <FieldShell id={path} label={labelOf(name, schema)} description={schema.description} required={required} compact={compact}>
      <Select
        id={`f-${path}`}
        data-testid={`field-${path}`}
        value={known ? keyOf(current) : ''}
        onChange={(e) => {
          if (e.target.value === '') return onChange(schema.nullable ? null : undefined);
          onChange(options.find((o) => keyOf(o) === e.target.value));
        }}
      >
        {allowEmpty && <option value="">{!known && required ? 'Choose…' : '—'}</option>}
        {options.map((o) => (
          <option key={keyOf(o)} value={keyOf(o)}>
            {labelOfOption(o)}
          </option>
        ))}
      </Select>
    </FieldShell>
  );
}
