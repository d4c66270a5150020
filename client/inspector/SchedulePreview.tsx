import { useEffect, useState } from 'react';
import { schedulesApi } from '../api/endpoints.ts';
import { ApiError, errorMessage } from '../api/http.ts';
import { Section } from './Section.tsx';

/** The next 5 run times of a Schedule trigger, refreshed as its settings change. */
export function SchedulePreview({ params }: { params: Record<string, unknown> }) {
  const [next, setNext] = useState<string[] | null>(null);
  const [error, setError] = useState<{ message: string; hint: string } | null>(null);
  const key = JSON.stringify(params ?? {});

  useEffect(() => {
    let stale = false;
    const timer = setTimeout(() => {
      schedulesApi.preview(JSON.parse(key) as Record<string, unknown>).then(
        (r) => {
          if (stale) return;
          setNext(r.next);
          setError(null);
        },
        (err) => {
          if (stale) return;
          setNext(null);
          setError({ message: errorMessage(err), hint: err instanceof ApiError ? err.hint : '' });
        },
      );
    }, 250);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [key]);

  const zone = typeof params?.timezone === 'string' && params.mode === 'cron' ? params.timezone : undefined;
  return (
    <Section title="Next runs" testId="schedule-preview">
      {error ? (
        <div className="rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-700 ring-1 ring-rose-200" data-testid="schedule-preview-error">
          <p>{error.message}</p>
          {error.hint && <p className="mt-1 text-xs text-rose-600">{error.hint}</p>}
        </div>
      ) : !next ? (
        <p className="text-sm text-slate-400">Working out the next times…</p>
      ) : (
        <>
          <ol className="space-y-1 text-sm text-slate-700 tabular-nums" data-testid="schedule-next-times">
            {next.map((iso) => (
              <li key={iso} data-testid="schedule-next-time" data-iso={iso} title={iso}>
                {formatTime(iso, zone)}
              </li>
            ))}
          </ol>
          <p className="mt-2 text-xs text-slate-500">
            {params?.mode === 'cron' ? `Shown in ${zone ?? 'UTC'}.` : 'Counted from now; once switched on, from the moment it is switched on.'} The flow runs on these times only
            while its schedule is on (the switch in the flow list) and the server is running.
          </p>
        </>
      )}
    </Section>
  );
}

function formatTime(iso: string, timeZone?: string): string {
  const d = new Date(iso);
  try {
    return d.toLocaleString(undefined, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', timeZone });
  } catch {
    return d.toLocaleString();
  }
}
