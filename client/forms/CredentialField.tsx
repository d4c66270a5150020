import { useEffect } from 'react';
import { Select } from '../components/TextInput.tsx';
import { kindTitle, useCredentials } from '../credentials/credentials-store.ts';
import { labelOf } from './schema.ts';
import { FieldShell } from './FieldShell.tsx';
import type { FieldProps } from './types.ts';

/**
 * A param that names a credential (`meta({ widget: 'credential', kind })`): a select of the
 * credentials of that kind. The flow stores the name only.
 */
export function CredentialField({ path, name, schema, value, required, onChange, compact }: FieldProps<string>) {
  const { items, kinds, status } = useCredentials();
  useEffect(() => {
    void useCredentials.getState().load();
  }, []);
  const accepted = ([] as unknown[]).concat(schema.kind ?? []).filter((k): k is string => typeof k === 'string');
  const options = items.filter((c) => accepted.length === 0 || accepted.includes(c.kind));
  const current = typeof value === 'string' ? value : '';
  const missing = current !== '' && status === 'ready' && !options.some((c) => c.name === current);
  const problem = missing ? `No credential of a suitable kind is named “${current}”: create it on the Credentials page, or pick another.` : null;
  return (
    <FieldShell
      id={path}
      label={labelOf(name, schema)}
      description={schema.description}
      required={required}
      problem={problem}
      compact={compact}
      aside={
        <a href="/credentials" target="_blank" rel="noreferrer" className="text-xs text-indigo-600 hover:underline" data-testid={`manage-credentials-${path}`}>
          Manage
        </a>
      }
    >
      <Select
        id={`f-${path}`}
        data-testid={`field-${path}`}
        value={current}
        onFocus={() => void useCredentials.getState().load(true)}
        onChange={(e) => onChange(e.target.value === '' ? (required ? '' : undefined) : e.target.value)}
      >
        <option value="">{options.length || current ? '— None —' : 'No credential of this kind yet'}</option>
        {missing && <option value={current}>{current} (missing)</option>}
        {options.map((c) => (
          <option key={c.id} value={c.name}>
            {c.name} · {kindTitle(kinds, c.kind)}
          </option>
        ))}
      </Select>
    </FieldShell>
  );
}
