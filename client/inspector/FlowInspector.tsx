import { useFlowStore } from '../stores/flow-store.ts';
import { TextArea, TextInput } from '../components/TextInput.tsx';
import { Section } from './Section.tsx';
import { Kbd } from '../components/Kbd.tsx';
import { AlertSettings } from '../monitoring/AlertSettings.tsx';
import { NameTooLong } from './name-length.tsx';

/** Shown when no single node is selected: the flow's own fields and a few tips. */
export function FlowInspector() {
  const meta = useFlowStore((s) => s.meta);
  const count = useFlowStore((s) => s.nodes.length);
  const selected = useFlowStore((s) => s.nodes.filter((n) => n.selected).length);
  const setMeta = useFlowStore((s) => s.setMeta);
  if (!meta) return null;
  return (
    <div data-testid="flow-inspector">
      <div className="border-b border-slate-100 px-4 py-4">
        <h2 className="font-semibold text-slate-900">Flow</h2>
        <p className="mt-0.5 text-sm text-slate-500">
          {selected > 1 ? `${selected} nodes selected. Select a single node to configure it.` : 'Select a node on the canvas to configure it.'}
        </p>
      </div>
      <Section title="General">
        <div className="space-y-4">
          <label className="block space-y-1.5">
            <span className="text-[13px] font-medium text-slate-700">Name</span>
            <TextInput value={meta.name} onChange={(e) => setMeta({ name: e.target.value }, 'meta.name')} data-testid="field-flow-name" />
            <NameTooLong name={meta.name} testId="flow-name-too-long" />
          </label>
          <label className="block space-y-1.5">
            <span className="text-[13px] font-medium text-slate-700">Description</span>
            <TextArea rows={3} value={meta.description} placeholder="What does this flow do?" onChange={(e) => setMeta({ description: e.target.value }, 'meta.description')} data-testid="field-flow-description" />
          </label>
          <p className="text-xs text-slate-500">{count} node{count === 1 ? '' : 's'} on the canvas.</p>
        </div>
      </Section>
      <Section title="Alerts" collapsible defaultOpen={false} testId="flow-alerts">
        <AlertSettings flowId={meta.id} />
      </Section>
      <Section title="Shortcuts" collapsible defaultOpen={false}>
        <ul className="space-y-1.5 text-xs text-slate-600">
          {[
            ['Save', 'Ctrl S'],
            ['Undo / Redo', 'Ctrl Z · Ctrl ⇧ Z'],
            ['Copy / Paste', 'Ctrl C · Ctrl V'],
            ['Delete selection', 'Del'],
            ['Select several', 'Ctrl click · ⇧ drag'],
          ].map(([a, k]) => (
            <li key={a} className="flex justify-between">
              <span>{a}</span>
              <Kbd>{k}</Kbd>
            </li>
          ))}
        </ul>
      </Section>
    </div>
  );
}
