import { useEffect, useState } from 'react';
import { Button } from '../components/Button.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { TextInput } from '../components/TextInput.tsx';
import { TooLong, tooLong } from '../components/TooLong.tsx';
import { NAME_MAX } from '../../server/contract/flow/schema.ts';
import { TemplateGallery } from './TemplateGallery.tsx';

/** "New flow": a blank flow by name, or a copy of one of the shipped templates. */
export function NewFlowDialog({ open, onCreate, onCancel }: { open: boolean; onCreate(name: string): Promise<void>; onCancel(): void }) {
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (open) setName('');
  }, [open]);
  const over = tooLong(name.trim(), NAME_MAX);
  const submit = async () => {
    if (!name.trim() || over || busy) return;
    setBusy(true);
    try {
      await onCreate(name.trim());
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open={open} onClose={onCancel} title="New flow" size="xl" testId="prompt-dialog">
      <form
        className="flex items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label className="block min-w-0 flex-1 text-sm font-medium text-slate-700">
          Blank flow — name
          <TextInput className="mt-1.5" value={name} placeholder="e.g. Score incoming leads" onChange={(e) => setName(e.target.value)} data-testid="prompt-input" invalid={over} />
          <TooLong value={name.trim()} max={NAME_MAX} what="name" testId="prompt-too-long" />
        </label>
        <Button type="submit" variant="primary" disabled={!name.trim() || over} loading={busy} data-testid="btn-prompt-ok">
          Create flow
        </Button>
      </form>
      <h3 className="mt-6 text-sm font-semibold text-slate-900">Or start from a template</h3>
      <p className="text-sm text-slate-500">A copy of a ready-made flow opens in the editor; change it as you like.</p>
      <div className="mt-3 max-h-[50vh] overflow-y-auto pr-1">
        <TemplateGallery compact />
      </div>
    </Dialog>
  );
}
