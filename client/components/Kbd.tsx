export function Kbd({ children }: { children: React.ReactNode }) {
  return <kbd className="rounded border border-slate-200 bg-slate-50 px-1 font-sans text-[10px] font-medium text-slate-500">{children}</kbd>;
}
