import { cn } from '../lib/cn.ts';
import { labelOf } from './schema.ts';
import type { FieldProps } from './types.ts';

/** A switch with its label and description beside it. */
export function BooleanField({ path, name, schema, value, onChange, compact }: FieldProps<boolean>) {
  const on = value === undefined ? schema.default === true : !!value;
  return (
    <div className="flex items-start gap-3" data-field={path}>
      <button
        type="button"
        role="switch"
        aria-checked={on}
        id={`f-${path}`}
        data-testid={`field-${path}`}
        onClick={() => onChange(!on)}
        className={cn(
          'relative mt-0.5 inline-flex h-5 w-9 shrink-0 rounded-full transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-500',
          on ? 'bg-indigo-600' : 'bg-slate-300',
        )}
      >
        <span className={cn('absolute top-0.5 left-0.5 size-4 rounded-full bg-white shadow transition-transform', on && 'translate-x-4')} />
      </button>
      <label htmlFor={`f-${path}`} className="min-w-0 cursor-pointer">
        <span className={cn('block font-medium text-slate-700', compact ? 'text-xs' : 'text-[13px]')}>{labelOf(name, schema)}</span>
        {schema.description && !compact && <span className="block text-xs leading-snug text-slate-500">{schema.description}</span>}
      </label>
    </div>
  );
}
