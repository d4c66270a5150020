import { PanelRightOpen } from 'lucide-react';
import { useUiPrefs } from '../stores/ui-prefs-store.ts';

/** The inspector folded: a narrow rail with a button to unfold it. */
export function InspectorRail() {
  const toggle = useUiPrefs((s) => s.toggle);
  return (
    <aside className="flex w-10 shrink-0 flex-col items-center border-l border-slate-200 bg-white py-2 dark:border-slate-700 dark:bg-slate-900" data-testid="inspector-collapsed">
      <button type="button" onClick={() => toggle('inspector')} className="rounded-md p-1.5 text-slate-500 hover:bg-slate-100 hover:text-slate-800 dark:text-slate-400 dark:hover:bg-slate-800" aria-label="Show the inspector" title="Show the inspector">
        <PanelRightOpen size={16} />
      </button>
      <span className="mt-3 text-[11px] font-semibold tracking-wide text-slate-400 uppercase [writing-mode:vertical-rl]">Inspector</span>
    </aside>
  );
}
