import { fieldKind, joinPath, labelOf, resolveSchema, type JSONSchema } from './schema.ts';
import { SchemaField } from './SchemaField.tsx';
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
export function ObjectField({ path, name, schema, root, value, onChange, onNewItem, compact }: FieldProps<Obj>) {
  return (
    <fieldset className="rounded-lg border border-slate-200 bg-slate-50/50 px-3 pt-1 pb-3" data-field={path}>
      <legend className="px-1 text-[13px] font-medium text-slate-700">{labelOf(name, schema)}</legend>
      {schema.description && <p className="mb-2 text-xs text-slate-500">{schema.description}</p>}
      <ObjectProperties path={path} schema={schema} root={root} value={value} onChange={onChange} onNewItem={onNewItem} compact={compact} />
    </fieldset>
  );
}
