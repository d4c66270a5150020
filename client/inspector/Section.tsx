import { useState, type ReactNode } from 'react';
import { ChevronDownIcon, ChevronRightIcon } from '../components/icons.tsx';

export function Section({ title, children, collapsible, defaultOpen = true, testId }: { title: string; children: ReactNode; collapsible?: boolean; defaultOpen?: boolean; testId?: string }) {
  const [open, setOpen] = useState(defaultOpen);
  return (
    <section className="border-b border-slate-100 px-4 py-4" data-testid={testId}>
      {collapsible ? (
        <button type="button" className="flex w-full items-center gap-1 text-[11px] font-semibold tracking-wide text-slate-400 uppercase hover:text-slate-600" onClick={() => setOpen(!open)}>
          {open ? <ChevronDownIcon size={13} /> : <ChevronRightIcon size={13} />}
          {title}
        </button>
      ) : (
        <h3 className="text-[11px] font-semibold tracking-wide text-slate-400 uppercase">{title}</h3>
      )}
      {open && <div className="mt-3">{children}</div>}
    </section>
  );
}
