import { useFlowStore } from '../stores/flow-store.ts';
import { NumberField } from '../forms/NumberField.tsx';
import { SchemaForm } from '../forms/SchemaForm.tsx';
import { Section } from './Section.tsx';
import { cleanSettings, flowSettingsJsonSchema } from './policy.ts';

const concurrencySchema = {
  type: 'integer',
  title: 'Concurrency',
  description: 'How many records are worked on at the same time. Lower it if a service you call limits its rate.',
  minimum: 1,
  maximum: 256,
};

/**
 * The flow's run settings (stored in the document: undoable and saved with it). `full` (no node
 * selected) adds the business key and Safe Stop below the concurrency.
 */
export function RunSettings({ full = false }: { full?: boolean }) {
  const settings = useFlowStore((s) => s.meta?.settings);
  const setMeta = useFlowStore((s) => s.setMeta);
  const concurrency = settings?.concurrency ?? 4;
  const { concurrency: _c, ...rest } = settings ?? { concurrency };
  return (
    <Section title="Run settings" testId="run-settings">
      <div className="space-y-4">
        <NumberField
          path="settings.concurrency"
          name="concurrency"
          schema={concurrencySchema}
          root={concurrencySchema}
          value={concurrency}
          required
          onChange={(v) => {
            // What the field shows is what the flow holds: a number out of range is kept, shown in
            // red under the field, and refused with its reason on save (not 30 saved for a typed 300).
            // Emptied, the field says "Required." and the flow keeps its last number.
            if (typeof v === 'number') setMeta({ settings: { ...settings, concurrency: v } }, 'settings.concurrency');
          }}
        />
        {full && (
          <SchemaForm
            schema={flowSettingsJsonSchema}
            value={rest as Record<string, unknown>}
            idPrefix="settings"
            testId="settings-form"
            toggleOptionalObjects
            onChange={(next) => {
              const before = rest as Record<string, unknown>;
              const changed = Object.keys({ ...before, ...next }).filter((k) => before[k] !== next[k]);
              // Typing in one field is one undo step; turning Safe Stop on or off is its own.
              const toggled = changed.some((k) => (before[k] === undefined) !== (next[k] === undefined) && typeof (before[k] ?? next[k]) === 'object');
              setMeta({ settings: cleanSettings(concurrency, next) }, toggled ? undefined : `settings:${changed.sort().join(',')}`);
            }}
          />
        )}
      </div>
    </Section>
  );
}
