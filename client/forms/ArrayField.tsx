import { Button, IconButton } from '../components/Button.tsx';
import { ChevronDownIcon, ChevronUpIcon, PlusIcon, TrashIcon } from '../components/icons.tsx';
import { fieldKind, fieldProblem, initialValue, joinPath, labelOf, resolveSchema } from './schema.ts';
import { ObjectProperties } from './ObjectField.tsx';
import { SchemaField } from './SchemaField.tsx';
import type { FieldProps } from './types.ts';

function singular(label: string): string {
  const l = label.toLowerCase();
  if (l.endsWith('ies')) return l.slice(0, -3) + 'y';
  if (l.endsWith('ses')) return l.slice(0, -2);
  if (l.endsWith('s')) return l.slice(0, -1);
  return 'item';
}

/** A list: repeatable rows with add, remove and reorder; rows of objects are small cards. */
export function ArrayField({ path, name, schema, root, value, required, onChange, onNewItem }: FieldProps<unknown[]>) {
  const list = Array.isArray(value) ? value : [];
  const itemSchema = resolveSchema(schema.items ?? {}, root);
  const objects = fieldKind(itemSchema) === 'object';
  const label = labelOf(name, schema);
  const problem = fieldProblem(schema, list, required);
  const canAdd = schema.maxItems === undefined || list.length < schema.maxItems;
  const itemWord = schema.itemLabel ?? singular(label);

  const set = (i: number, v: unknown) => onChange(list.map((x, j) => (j === i ? v : x)));
  const remove = (i: number) => onChange(list.filter((_, j) => j !== i));
  const move = (i: number, d: -1 | 1) => {
    const j = i + d;
    if (j < 0 || j >= list.length) return;
    const next = [...list];
    [next[i], next[j]] = [next[j], next[i]];
    onChange(next);
  };
  const add = () => {
    let item = initialValue(schema.items ?? {}, root);
    if (onNewItem) item = onNewItem(path, item, list.length, list);
    onChange([...list, item]);
  };

  return (
    <div className="space-y-2" data-field={path}>
      <div className="flex items-baseline justify-between">
        <span className="text-[13px] font-medium text-slate-700">
          {label}
          {list.length > 0 && <span className="ml-1.5 rounded-full bg-slate-100 px-1.5 text-[11px] font-medium text-slate-500">{list.length}</span>}
        </span>
      </div>
      {schema.description && <p className="-mt-1 text-xs leading-snug text-slate-500">{schema.description}</p>}
      {list.length === 0 && <p className="rounded-lg border border-dashed border-slate-300 px-3 py-3 text-center text-xs text-slate-500">No {label.toLowerCase()} yet.</p>}
      {list.map((item, i) => {
        const rowPath = joinPath(path, i);
        return (
          <div key={i} className="group/row relative rounded-lg border border-slate-200 bg-white p-2.5 shadow-xs" data-testid={`row-${rowPath}`}>
            <div className="mb-1.5 flex items-center justify-between">
              <span className="text-[11px] font-semibold text-slate-400">#{i + 1}</span>
              <div className="flex items-center opacity-60 group-hover/row:opacity-100">
                <IconButton size="xs" label="Move up" icon={<ChevronUpIcon size={14} />} disabled={i === 0} onClick={() => move(i, -1)} />
                <IconButton size="xs" label="Move down" icon={<ChevronDownIcon size={14} />} disabled={i === list.length - 1} onClick={() => move(i, 1)} />
                <IconButton size="xs" label="Remove" icon={<TrashIcon size={13} />} className="hover:!bg-rose-50 hover:!text-rose-600" onClick={() => remove(i)} data-testid={`btn-remove-${rowPath}`} />
              </div>
            </div>
            {objects ? (
              <ObjectProperties
                path={rowPath}
                schema={itemSchema}
                root={root}
                value={item as Record<string, unknown>}
                onChange={(v) => set(i, v)}
                onNewItem={onNewItem}
                compact
              />
            ) : (
              <SchemaField path={rowPath} name={`${itemWord} ${i + 1}`} schema={schema.items ?? {}} root={root} value={item} required onChange={(v) => set(i, v)} compact />
            )}
          </div>
        );
      })}
      {problem && <p className="text-xs text-rose-600">{problem}</p>}
      {canAdd && (
        <Button size="sm" variant="ghost" icon={<PlusIcon size={14} />} onClick={add} className="w-full border border-dashed border-slate-300 text-slate-600" data-testid={`btn-add-${path}`}>
          Add {itemWord}
        </Button>
      )}
    </div>
  );
}
