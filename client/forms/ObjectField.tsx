import { cn } from '../lib/cn.ts';
import { fieldKind, initialValue, joinPath, labelOf, resolveSchema, type JSONSchema } from './schema.ts';
import { SchemaField } from './SchemaField.tsx';
import { useFormOptions } from './form-options.ts';
import type { FieldProps } from './types.ts';

type Obj = Record<string, unknown>;

/** The properties of an object schema, one field each (booleans last, as switches). */
export function ObjectProperties({
  path,
  schema,
  root,
  value,
  onChange,
  onNewItem,
  compact,
}: {
  path: string;
  schema: JSONSchema;
  root: JSONSchema;
  value: Obj | undefined;
  onChange(v: Obj): void;
  onNewItem?: FieldProps['onNewItem'];
  compact?: boolean;
}) {
  const obj = value && typeof value === 'object' && !Array.isArray(value) ? value : {};
  const entries = Object.entries(schema.properties ?? {});
  const ordered = [...entries.filter(([, p]) => fieldKind(resolveSchema(p, root)) !== 'boolean'), ...entries.filter(([, p]) => fieldKind(resolveSchema(p, root)) === 'boolean')];
  if (!ordered.length) return <p className="text-xs text-slate-500">No settings.</p>;
  return (
    <div className={compact ? 'space-y-2.5' : 'space-y-4'}>
      {ordered.map(([key, prop]) => {
        const s = resolveSchema(prop, root);
        if (s.readOnly) return null;
        return (
          <SchemaField
            key={key}
            path={joinPath(path, key)}
            name={key}
            schema={prop}
            root={root}
            value={obj[key]}
            required={!!schema.required?.includes(key)}
            compact={compact}
            onNewItem={onNewItem}
            onChange={(v) => {
              const next = { ...obj };
              if (v === undefined) delete next[key];
              else next[key] = v;
              onChange(next);
            }}
          />
        );
      })}
    </div>
  );
}

/** A nested object: a fieldset with its own properties. */
export function ObjectField(props: FieldProps<Obj>) {
  const { toggleOptionalObjects } = useFormOptions();
  if (toggleOptionalObjects && !props.required) return <ToggledObjectField {...props} />;
  const { path, name, schema, root, value, onChange, onNewItem, compact } = props;
  return (
    <fieldset className="rounded-lg border border-slate-200 bg-slate-50/50 px-3 pt-1 pb-3" data-field={path}>
      <legend className="px-1 text-[13px] font-medium text-slate-700">{labelOf(name, schema)}</legend>
      {schema.description && <p className="mb-2 text-xs text-slate-500">{schema.description}</p>}
      <ObjectProperties path={path} schema={schema} root={root} value={value} onChange={onChange} onNewItem={onNewItem} compact={compact} />
    </fieldset>
  );
}

/**
 * An optional object that is either absent or complete (Retries, Safe Stop): a switch (like a
 * boolean field's) turns it on, filled with its defaults, or off, leaving the key out of the value.
 */
function ToggledObjectField({ path, name, schema, root, value, onChange, onNewItem, compact }: FieldProps<Obj>) {
  const on = !!value && typeof value === 'object' && !Array.isArray(value);
  const label = labelOf(name, schema);
  const toggle = () => {
    if (on) return onChange(undefined);
    const init = initialValue(schema, root);
    onChange(init && typeof init === 'object' && !Array.isArray(init) ? (init as Obj) : {});
  };
  return (
    <div className="space-y-2.5" data-field={path} data-enabled={on}>
      <div className="flex items-start gap-3">
        <button
          type="button"
          role="switch"
          aria-checked={on}
          id={`f-${path}`}
          data-testid={`toggle-${path}`}
          onClick={toggle}
          className={cn(
            'relative mt-0.5 inline-flex h-5 w-9 shrink-0 rounded-full transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500',
            on ? 'bg-indigo-600' : 'bg-slate-300',
          )}
        >
          <span className={cn('absolute top-0.5 left-0.5 size-4 rounded-full bg-white shadow transition-transform', on && 'translate-x-4')} />
        </button>
        <label htmlFor={`f-${path}`} className="min-w-0 cursor-pointer">
          <span className="block text-[13px] font-medium text-slate-700">{label}</span>
          {schema.description && <span className="block text-xs leading-snug text-slate-500">{schema.description}</span>}
        </label>
      </div>
      {on && (
        <div className="rounded-lg border border-slate-200 bg-slate-50/50 p-3">
          <ObjectProperties path={path} schema={schema} root={root} value={value} onChange={onChange} onNewItem={onNewItem} compact={compact} />
        </div>
      )}
    </div>
  );
}
