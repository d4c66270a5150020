import { useToasts, type ToastKind } from '../stores/toast-store.ts';
import { cn } from '../lib/cn.ts';
import { AlertIcon, CheckIcon, InfoIcon, XIcon } from './icons.tsx';

const STYLES: Record<ToastKind, { ring: string; icon: React.ReactNode; iconBg: string }> = {
  info: { ring: 'ring-slate-200', icon: <InfoIcon size={16} />, iconBg: 'bg-sky-50 text-sky-600' },
  success: { ring: 'ring-slate-200', icon: <CheckIcon size={16} />, iconBg: 'bg-emerald-50 text-emerald-600' },
  warning: { ring: 'ring-amber-200', icon: <AlertIcon size={16} />, iconBg: 'bg-amber-50 text-amber-600' },
  error: { ring: 'ring-rose-200', icon: <AlertIcon size={16} />, iconBg: 'bg-rose-50 text-rose-600' },
};

export function Toaster() {
  const toasts = useToasts((s) => s.toasts);
  const dismiss = useToasts((s) => s.dismiss);
  return (
    <div className="pointer-events-none fixed top-16 left-1/2 z-[60] flex w-96 max-w-[calc(100vw-2rem)] -translate-x-1/2 flex-col gap-2" aria-live="polite">
      {toasts.map((t) => {
        const st = STYLES[t.kind];
        return (
          <div
            key={t.id}
            role={t.kind === 'error' ? 'alert' : 'status'}
            data-testid="toast"
            data-kind={t.kind}
            className={cn('toast-in pointer-events-auto flex items-start gap-3 rounded-xl bg-white p-3 pr-2 shadow-lg ring-1', st.ring)}
          >
            <div className={cn('flex size-7 shrink-0 items-center justify-center rounded-lg', st.iconBg)}>{st.icon}</div>
            <div className="min-w-0 flex-1 pt-0.5">
              <p className="text-sm font-medium text-slate-900">{t.title}</p>
              {t.message && <p className="mt-0.5 text-sm break-words text-slate-600">{t.message}</p>}
            </div>
            <button type="button" onClick={() => dismiss(t.id)} className="rounded-md p-1 text-slate-400 hover:bg-slate-100 hover:text-slate-600" aria-label="Dismiss">
              <XIcon size={14} />
            </button>
          </div>
        );
      })}
    </div>
  );
}
