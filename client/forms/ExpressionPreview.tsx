import { useEffect, useState } from 'react';
import { evaluate } from '../../server/contract/expression/expression.ts';
import { hasPlaceholders, renderTemplate } from '../../server/contract/expression/template.ts';
import type { Json } from '../../server/contract/data.ts';
import { useExpressionSample } from './expression-sample.ts';

type Outcome = { ok: true; value: Json | undefined } | { ok: false; message: string };

/** Wait this long after the last keystroke before evaluating, so typing stays smooth. */
const SETTLE_MS = 150;
const MAX_SHOWN = 300;

/**
 * The expression's result on the inspector's sample record, worked out in the browser by the
 * engine's own expression helper (server/contract/expression/expression.ts), so the preview and a run agree.
 * Shown only for an expression that compiles: the field shows the syntax mistake otherwise.
 */
export function ExpressionPreview({ path, source, template = false }: { path: string; source: string; template?: boolean }) {
  const sample = useExpressionSample();
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const record = sample?.status === 'ready' ? sample.record : null;

  useEffect(() => {
    if (!record || source.trim() === '') {
      setOutcome(null);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      // $input is what a pre/post-check can use; on the sample it is the record itself.
      // A template is rendered as text, as a step renders it.
      (template ? renderTemplate(source, record, 'the template') : evaluate(source, record, 'the expression', { input: record })).then(
        (value) => current && setOutcome({ ok: true, value }),
        (err: unknown) => current && setOutcome({ ok: false, message: err instanceof Error ? err.message : String(err) }),
      );
    }, SETTLE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [source, record, template]);

  // A template without placeholders is its own preview.
  if (!sample || source.trim() === '' || (template && !hasPlaceholders(source))) return null;
  if (sample.status !== 'ready') {
    return (
      <p className="text-[11px] leading-snug text-slate-400" data-testid={`preview-${path}`} data-state={sample.status}>
        {sample.status === 'loading' ? 'Preview: reading a sample record…' : `No preview: ${sample.reason}`}
      </p>
    );
  }
  return (
    <div className="rounded-md bg-slate-50 px-2 py-1.5 text-[11px] leading-snug ring-1 ring-slate-200" data-testid={`preview-${path}`} data-state={outcome ? (outcome.ok ? 'value' : 'error') : 'loading'}>
      <p className="text-slate-500" data-testid={`preview-sample-${path}`}>
        Preview on {sample.label}:
      </p>
      {outcome === null ? (
        <p className="text-slate-400">…</p>
      ) : outcome.ok ? (
        <p className="break-all font-mono text-emerald-700" data-testid={`preview-value-${path}`}>
          {shown(outcome.value)}
        </p>
      ) : (
        <p className="text-rose-600" data-testid={`preview-error-${path}`}>
          {outcome.message}
        </p>
      )}
    </div>
  );
}

function shown(value: Json | undefined): string {
  if (value === undefined) return 'nothing (no such field in this record)';
  const text = JSON.stringify(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
}
