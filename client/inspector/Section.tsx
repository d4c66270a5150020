import { useState, type ReactNode } from 'react';
import { ChevronDownIcon, ChevronRightIcon } from '../components/icons.tsx';

export function Section({
  title,
  children,
  collapsible,
  defaultOpen = true,
  testId,
  aside,
}: {
  title: string;
  children: ReactNode;
  collapsible?: boolean;
  defaultOpen?: boolean;
  testId?: string;
  /** Shown at the right of the title (a count, a badge). */
  aside?: ReactNode;
}) {
  const [open, setOpen] = useState(defaultOpen);
  return (
    <section className="border-b border-slate-100 px-4 py-4" data-testid={testId} data-open={collapsible ? open : undefined}>
      {collapsible ? (
        <button
          type="button"
          aria-expanded={open}
          className="flex w-full items-center gap-1 text-[11px] font-semibold tracking-wide text-slate-400 uppercase hover:text-slate-600"
          onClick={() => setOpen(!open)}
          data-testid={testId ? `${testId}-toggle` : undefined}
        >
          {open ? <ChevronDownIcon size={13} /> : <ChevronRightIcon size={13} />}
          {title}
          {aside && <span className="ml-auto normal-case">{aside}</span>}
        </button>
      ) : (
        <h3 className="flex items-center text-[11px] font-semibold tracking-wide text-slate-400 uppercase">
          {title}
          {aside && <span className="ml-auto normal-case">{aside}</span>}
        </h3>
      )}
      {open && <div className="mt-3">{children}</div>}
    </section>
  );
}
