import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { errorMessage } from '../api/http.ts';
import { Button } from '../components/Button.tsx';
import { ErrorState } from '../components/EmptyState.tsx';
import { LoadingState } from '../components/Spinner.tsx';
import { cn } from '../lib/cn.ts';
import { plural } from '../lib/format.ts';
import { useAsync } from '../lib/use-async.ts';
import { toast } from '../stores/toast-store.ts';
import { templatesApi, type TemplateInfo, type TemplateNeed } from './api.ts';

/** A coloured dot per kind of need (no emoji: they show as empty boxes without an emoji font). */
const NEED_DOT: Record<TemplateNeed['kind'], string> = {
  credential: 'bg-amber-500',
  demo: 'bg-violet-500',
  hosts: 'bg-sky-500',
  file: 'bg-emerald-500',
  schedule: 'bg-indigo-500',
  records: 'bg-slate-400',
};

/**
 * The shipped flows (GET /api/templates) as cards: what each does, what it needs, and "Use this
 * template", which imports a copy and opens it in the editor.
 */
export function TemplateGallery({ className, compact }: { className?: string; compact?: boolean }) {
  const templates = useAsync(() => templatesApi.list(), []);
  const navigate = useNavigate();
  const [using, setUsing] = useState<string | null>(null);

  const use = async (t: TemplateInfo) => {
    setUsing(t.id);
    try {
      const entry = await templatesApi.use(t.id);
      toast.success('Template copied', `"${entry.name}" is yours to change and run.`);
      navigate(`/flows/${encodeURIComponent(entry.id)}`);
    } catch (err) {
      toast.error('Could not use the template', errorMessage(err));
      setUsing(null);
    }
  };

  if (templates.loading && !templates.data) return <LoadingState label="Loading templates…" />;
  if (templates.error && !templates.data) return <ErrorState title="Could not load the templates" message={errorMessage(templates.error)} onRetry={templates.reload} />;
  const list = templates.data ?? [];
  if (!list.length) return null;
  return (
    <ul className={cn('grid gap-3', compact ? 'sm:grid-cols-2' : 'sm:grid-cols-2 xl:grid-cols-3', className)} data-testid="template-gallery">
      {list.map((t) => (
        <li key={t.id} className="flex flex-col rounded-xl border border-slate-200 bg-white p-4 shadow-sm" data-testid={`template-${t.id}`} data-template-name={t.name}>
          <h4 className="font-medium text-slate-900" data-testid="template-name">
            {t.name}
          </h4>
          <p className="mt-0.5 text-xs text-slate-500">
            {t.trigger.title} · {plural(t.nodeCount, 'step')}
          </p>
          <p className={cn('mt-2 text-sm text-slate-600', compact ? 'line-clamp-2' : 'line-clamp-4')} title={t.description} data-testid="template-description">
            {t.description}
          </p>
          <div className="mt-3 flex-1">
            <p className="text-xs font-medium tracking-wide text-slate-500 uppercase">Needs</p>
            <ul className="mt-1 space-y-1 text-xs text-slate-600">
              {t.needs.map((n, i) => (
                <li key={i} className="flex items-start gap-1.5" data-testid="template-need" data-kind={n.kind} data-present={n.kind === 'credential' ? String(!!n.present) : undefined}>
                  <span aria-hidden="true" className={cn('mt-1 size-1.5 shrink-0 rounded-full', NEED_DOT[n.kind])} />
                  <span className="min-w-0">
                    {n.text}
                    {n.kind === 'credential' &&
                      (n.present ? (
                        <span className="ml-1 font-medium text-emerald-700">✓ set up</span>
                      ) : (
                        <Link to="/credentials" className="ml-1 font-medium text-amber-700 underline">
                          not set up yet
                        </Link>
                      ))}
                  </span>
                </li>
              ))}
            </ul>
          </div>
          <Button className="mt-4 self-start" size="sm" variant="primary" loading={using === t.id} disabled={using !== null} onClick={() => void use(t)} data-testid={`template-use-${t.id}`}>
            Use this template
          </Button>
        </li>
      ))}
    </ul>
  );
}
