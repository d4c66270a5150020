import { ApiError, type Problem } from '../api/http.ts';
import { Button } from './Button.tsx';
import { Dialog } from './Dialog.tsx';
import { ProblemList } from './ProblemList.tsx';

/** Shows an API error in full: message, hint and every flow problem. */
export function ErrorDialog({ title, error, onClose, testId = "error-dialog", stepOf }: { title: string; error: unknown; onClose(): void; testId?: string; stepOf?(p: Problem): string | undefined }) {
  const api = error instanceof ApiError ? error : null;
  const message = error instanceof Error ? error.message : String(error ?? '');
  return (
    <Dialog
      open={!!error}
      onClose={onClose}
      title={title}
      description={message}
      size="lg"
      testId={testId}
      footer={
        <Button variant="primary" onClick={onClose} data-autofocus>
          OK
        </Button>
      }
    >
      {api?.hint && <p className="mb-3 text-sm text-slate-600">{api.hint}</p>}
      {api?.problems.length ? <ProblemList problems={api.problems} stepOf={stepOf} /> : null}
      {api?.code && <p className="mt-3 font-mono text-xs text-slate-400">{api.code}</p>}
    </Dialog>
  );
}
