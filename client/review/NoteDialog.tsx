import { useEffect, useState } from 'react';
import { Button } from '../components/Button.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { TextArea } from '../components/TextInput.tsx';
import { plural } from '../lib/format.ts';
import { TooLong, tooLong } from '../components/TooLong.tsx';
import { REVIEW_NOTE_MAX } from '../../server/contract/wire/review.ts';
import { ResolveIcon } from './icons.tsx';

/**
 * "Resolve…": marks records as success by hand. The note (what the person did about them) is
 * required; it is kept in each record's audit trail.
 */
export function ResolveDialog({ open, count, onCancel, onSubmit }: { open: boolean; count: number; onCancel(): void; onSubmit(note: string): Promise<void> }) {
  const [note, setNote] = useState('');
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (open) {
      setNote('');
      setTried(false);
    }
  }, [open]);
  const empty = !note.trim();
  const over = tooLong(note.trim(), REVIEW_NOTE_MAX);
  const submit = async () => {
    setTried(true);
    if (empty || over || busy) return;
    setBusy(true);
    try {
      await onSubmit(note.trim());
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      open={open}
      onClose={onCancel}
      title={count === 1 ? 'Resolve this record' : `Resolve ${plural(count, 'record')}`}
      description="Marks them as success by hand. Say what you did about them: the note is kept in the audit trail."
      testId="resolve-dialog"
      footer={
        <>
          <Button onClick={onCancel}>Cancel</Button>
          <Button variant="success" icon={<ResolveIcon size={14} />} onClick={() => void submit()} disabled={empty || over} loading={busy} data-testid="btn-resolve-confirm">
            Resolve
          </Button>
        </>
      }
    >
      <label className="block space-y-1.5">
        <span className="text-[13px] font-medium text-slate-700">
          Note<span className="ml-0.5 text-rose-500">*</span>
        </span>
        <TextArea
          rows={4}
          value={note}
          invalid={(tried && empty) || over}
          placeholder="e.g. Customer confirmed by phone, order entered by hand."
          onChange={(e) => setNote(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              void submit();
            }
          }}
          data-testid="resolve-note"
        />
        {over ? (
          <TooLong value={note.trim()} max={REVIEW_NOTE_MAX} what="note" testId="resolve-note-too-long" />
        ) : tried && empty ? (
          <span className="block text-xs text-rose-600" data-testid="resolve-note-problem">
            A note is required to resolve by hand.
          </span>
        ) : (
          <span className="block text-xs text-slate-500">Required. Ctrl+Enter to confirm.</span>
        )}
      </label>
    </Dialog>
  );
}
