import type { ReactNode } from 'react';
import { cn } from '../lib/cn.ts';

/** Label, description and problem around one input. */
export function FieldShell({
  id,
  label,
  description,
  required,
  problem,
  children,
  aside,
  compact,
}: {
  id: string;
  label: ReactNode;
  description?: string;
  required?: boolean;
  problem?: string | null;
  children: ReactNode;
  aside?: ReactNode;
  compact?: boolean;
}) {
  return (
    <div className={cn('group/field', compact ? 'space-y-1' : 'space-y-1.5')} data-field={id}>
      <div className="flex items-baseline justify-between gap-2">
        <label htmlFor={`f-${id}`} className={cn('font-medium text-slate-700', compact ? 'text-xs' : 'text-[13px]')}>
          {label}
          {required && <span className="ml-0.5 text-rose-500">*</span>}
        </label>
        {aside}
      </div>
      {children}
      {problem ? (
        <p className="text-xs text-rose-600" data-testid={`problem-${id}`}>
          {problem}
        </p>
      ) : description ? (
        // In a list's rows (compact) the help shows while the field has the focus: rows stay short,
        // and what "stop" or "transient" means is still said where it is chosen.
        <p className={cn('text-xs leading-snug text-slate-500', compact && 'hidden group-focus-within/field:block')} data-testid={`help-${id}`}>
          {description}
        </p>
      ) : null}
    </div>
  );
}
