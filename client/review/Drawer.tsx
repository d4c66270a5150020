import { useEffect, useRef, type ReactNode } from 'react';
import { createPortal } from 'react-dom';
import { XIcon } from '../components/icons.tsx';

/**
 * A panel sliding in from the right over the page. Escape or a click beside it closes it (unless a
 * dialog opened from it is on top).
 */
export function Drawer({ open, onClose, title, subtitle, children, testId }: { open: boolean; onClose(): void; title: ReactNode; subtitle?: ReactNode; children: ReactNode; testId?: string }) {
  const close = useRef(onClose);
  close.current = onClose;
  const panel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      // A dialog opened from the drawer handles its own Escape.
      const modals = [...document.querySelectorAll('[aria-modal="true"]')].filter((el) => el !== panel.current);
      if (modals.length) return;
      close.current();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [open]);
  if (!open) return null;
  return createPortal(
    <div className="fixed inset-0 z-40 flex justify-end">
      <div className="fixed inset-0 bg-slate-900/25" onMouseDown={onClose} />
      <div ref={panel} role="dialog" aria-modal="true" data-testid={testId} className="relative flex transition duration-150 ease-out starting:translate-x-6 starting:opacity-0 h-full w-[min(720px,100vw)] flex-col bg-white shadow-2xl ring-1 ring-slate-900/10">
        <header className="flex items-start gap-4 border-b border-slate-200 px-5 pt-4 pb-3">
          <div className="min-w-0 flex-1">
            <h2 className="text-base font-semibold text-slate-900">{title}</h2>
            {subtitle && <div className="mt-0.5 text-sm text-slate-500">{subtitle}</div>}
          </div>
          <button type="button" onClick={onClose} aria-label="Close" className="-mr-1 rounded-md p-1 text-slate-400 hover:bg-slate-100 hover:text-slate-600" data-testid="btn-close-drawer">
            <XIcon />
          </button>
        </header>
        <div className="flex min-h-0 flex-1 flex-col">{children}</div>
      </div>
    </div>,
    document.body,
  );
}

/** The scrolling middle of a drawer. */
export function DrawerBody({ children }: { children: ReactNode }) {
  return <div className="scrollbar-thin min-h-0 flex-1 overflow-y-auto px-5 py-4">{children}</div>;
}

/** The drawer's bottom bar (its actions), always in view. */
export function DrawerFooter({ children }: { children: ReactNode }) {
  return <footer className="flex flex-wrap items-center gap-2 border-t border-slate-200 bg-slate-50/70 px-5 py-3">{children}</footer>;
}
