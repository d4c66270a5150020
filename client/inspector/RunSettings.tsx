import { useFlowStore } from '../stores/flow-store.ts';
import { NumberField } from '../forms/NumberField.tsx';
import { Section } from './Section.tsx';

const concurrencySchema = {
  type: 'integer',
  title: 'Concurrency',
  description: 'How many records are worked on at the same time. Lower it if a service you call limits its rate.',
  minimum: 1,
  maximum: 256,
  default: 4,
};

/** The flow's run settings (stored in the document: undoable and saved with it). */
export function RunSettings() {
  const concurrency = useFlowStore((s) => s.meta?.settings.concurrency ?? 4);
  const setMeta = useFlowStore((s) => s.setMeta);
  return (
    <Section title="Run settings" testId="run-settings">
      <NumberField
        path="settings.concurrency"
        name="concurrency"
        schema={concurrencySchema}
        root={concurrencySchema}
        value={concurrency}
        required
        onChange={(v) => {
          if (typeof v === 'number' && v >= 1 && v <= 256) setMeta({ settings: { concurrency: v } }, 'settings.concurrency');
        }}
      />
    </Section>
  );
}
