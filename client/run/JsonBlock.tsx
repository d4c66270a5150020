import { cn } from '../lib/cn.ts';

export function JsonBlock({ value, className, testId }: { value: unknown; className?: string; testId?: string }) {
  const text = value === undefined ? '—' : JSON.stringify(value, null, 2);
  return (
    <pre className={cn('scrollbar-thin max-h-64 overflow-auto rounded-md bg-slate-50 p-2 font-mono text-[11px] leading-relaxed text-slate-700 ring-1 ring-slate-200', className)} data-testid={testId}>
      {text}
    </pre>
  );
}

export function jsonPreview(value: unknown, max = 120): string {
  if (value === undefined || value === null) return '—';
  const s = JSON.stringify(value);
  return s.length > max ? s.slice(0, max) + '…' : s;
}
