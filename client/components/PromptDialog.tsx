import { useEffect, useState } from 'react';
import { Button } from './Button.tsx';
import { Dialog } from './Dialog.tsx';
import { TextInput } from './TextInput.tsx';
import { TooLong, tooLong } from './TooLong.tsx';
import { NAME_MAX } from '../../server/contract/flow/schema.ts';

/** Asks for one line of text (a flow name: at most NAME_MAX characters once trimmed, said in red beyond). */
export function PromptDialog({
  open,
  title,
  label,
  initial = '',
  placeholder,
  confirmLabel = 'OK',
  onSubmit,
  onCancel,
  error,
}: {
  open: boolean;
  title: string;
  label: string;
  initial?: string;
  placeholder?: string;
  confirmLabel?: string;
  onSubmit(value: string): void | Promise<void>;
  onCancel(): void;
  error?: string | null;
}) {
  const [value, setValue] = useState(initial);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (open) setValue(initial);
  }, [open, initial]);
  const over = tooLong(value.trim(), NAME_MAX);
  const submit = async () => {
    if (!value.trim() || over || busy) return;
    setBusy(true);
    try {
      await onSubmit(value.trim());
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      open={open}
      onClose={onCancel}
      title={title}
      size="sm"
      testId="prompt-dialog"
      footer={
        <>
          <Button onClick={onCancel}>Cancel</Button>
          <Button variant="primary" onClick={submit} disabled={!value.trim() || over} loading={busy} data-testid="btn-prompt-ok">
            {confirmLabel}
          </Button>
        </>
      }
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label className="block text-sm font-medium text-slate-700">
          {label}
          <TextInput className="mt-1.5" value={value} placeholder={placeholder} onChange={(e) => setValue(e.target.value)} data-testid="prompt-input" invalid={over} />
          <TooLong value={value.trim()} max={NAME_MAX} what="name" testId="prompt-too-long" />
        </label>
        {error && <p className="mt-2 text-sm text-rose-600">{error}</p>}
      </form>
    </Dialog>
  );
}
