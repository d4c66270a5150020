import type { ReactNode } from 'react';
import { cn } from '../lib/cn.ts';
import { AlertIcon } from './icons.tsx';
import { Button } from './Button.tsx';

export function EmptyState({ icon, title, children, action, className, ...rest }: { icon?: ReactNode; title: string; children?: ReactNode; action?: ReactNode; className?: string } & React.HTMLAttributes<HTMLDivElement>) {
  return (
    <div className={cn('flex flex-col items-center justify-center px-6 py-14 text-center', className)} {...rest}>
      {icon && <div className="mb-4 flex size-12 items-center justify-center rounded-2xl bg-indigo-50 text-indigo-600 ring-1 ring-indigo-100">{icon}</div>}
      <h3 className="text-base font-semibold text-slate-900">{title}</h3>
      {children && <div className="mt-1.5 max-w-md text-sm text-slate-500">{children}</div>}
      {action && <div className="mt-5 flex gap-2">{action}</div>}
    </div>
  );
}

export function ErrorState({ title = 'Something went wrong', message, hint, onRetry }: { title?: string; message: string; hint?: string; onRetry?: () => void }) {
  return (
    <div className="flex flex-col items-center justify-center px-6 py-14 text-center" data-testid="error-state">
      <div className="mb-4 flex size-12 items-center justify-center rounded-2xl bg-rose-50 text-rose-600 ring-1 ring-rose-100">
        <AlertIcon size={22} />
      </div>
      <h3 className="text-base font-semibold text-slate-900">{title}</h3>
      <p className="mt-1.5 max-w-md text-sm text-slate-600">{message}</p>
      {hint && <p className="mt-1 max-w-md text-sm text-slate-500">{hint}</p>}
      {onRetry && (
        <Button className="mt-5" onClick={onRetry}>
          Try again
        </Button>
      )}
    </div>
  );
}
