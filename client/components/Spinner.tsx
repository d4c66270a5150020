import { cn } from '../lib/cn.ts';

export function Spinner({ className }: { className?: string }) {
  return <span role="status" aria-label="Loading" className={cn('inline-block size-4 animate-spin rounded-full border-2 border-indigo-500 border-r-transparent', className)} />;
}

export function LoadingState({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="flex h-full min-h-40 flex-1 items-center justify-center gap-3 text-sm text-slate-500" data-testid="loading">
      <Spinner />
      {label}
    </div>
  );
}
