import { Select } from '../components/TextInput.tsx';
import { flowsApi } from '../api/endpoints.ts';
import { useAsync } from '../lib/use-async.ts';
import { useFlowStore } from '../stores/flow-store.ts';
import { labelOf } from './schema.ts';
import { FieldShell } from './FieldShell.tsx';
import type { FieldProps } from './types.ts';

/**
 * A param that names a saved flow (`meta({ widget: 'flow' })`, the Run flow step): a select of the
 * saved flows other than the one being edited (a flow may not call itself). The flow stores the id.
 */
export function FlowField({ path, name, schema, value, required, onChange, compact }: FieldProps<string>) {
  const flows = useAsync(() => flowsApi.list(), []);
  const own = useFlowStore((s) => s.meta?.id ?? null);
  const options = (flows.data ?? []).filter((f) => f.id !== own);
  const current = typeof value === 'string' ? value : '';
  const missing = current !== '' && flows.data !== undefined && !options.some((f) => f.id === current);
  const problem = missing ? (current === own ? 'A flow cannot run itself: pick another flow.' : `There is no saved flow “${current}”: pick another.`) : null;
  return (
    <FieldShell id={path} label={labelOf(name, schema)} description={schema.description} required={required} problem={problem} compact={compact}>
      <Select id={`f-${path}`} data-testid={`field-${path}`} value={current} onFocus={flows.reload} onChange={(e) => onChange(e.target.value)}>
        <option value="">{options.length ? '— Pick a flow —' : 'No other flow saved yet'}</option>
        {missing && <option value={current}>{current} (missing)</option>}
        {options.map((f) => (
          <option key={f.id} value={f.id}>
            {f.name} · {f.id}
          </option>
        ))}
      </Select>
    </FieldShell>
  );
}
