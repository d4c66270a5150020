import { JsonBlock, jsonPreview } from './JsonBlock.tsx';
import { plural } from '../lib/format.ts';
import { cn } from '../lib/cn.ts';
import type { PreflightResult } from './sheet-api.ts';

/** The answer of a dry check: records that would run, records a run would skip, rejected rows, flow problems. Nothing ran. */
export function PreflightReport({ result }: { result: PreflightResult }) {
  const { runCount, skipCount, skips, rejectCount, rejects, problems, sample } = result;
  return (
    <div className="mt-3 space-y-3" data-testid="preflight-report" data-ok={String(result.ok)}>
      <p
        className={cn('rounded-md px-3 py-2 text-sm ring-1', result.ok ? 'bg-emerald-50 text-emerald-800 ring-emerald-200' : 'bg-amber-50 text-amber-900 ring-amber-200')}
        data-testid="preflight-summary"
      >
        Dry check: <strong data-testid="preflight-record-count">{plural(runCount, 'record')}</strong> would run
        {skipCount > 0 && (
          <>
            {' · '}
            <strong data-testid="preflight-skip-count">{skipCount.toLocaleString()}</strong> would be skipped (duplicates / already done)
          </>
        )}
        {' · '}
        <strong data-testid="preflight-reject-count">{plural(rejectCount, 'row')}</strong> rejected
        {' · '}
        <strong>{plural(problems.length, 'problem')}</strong>
        {result.ok ? '. Nothing to fix.' : result.canStart ? '. The run can start; rejected rows would be left out.' : '. Fix the problems before starting.'}
      </p>

      {problems.length > 0 && (
        <ul className="max-h-48 divide-y divide-rose-100 overflow-y-auto rounded-lg bg-rose-50/60 ring-1 ring-rose-200" data-testid="preflight-problems">
          {problems.map((p, i) => (
            <li key={i} className="flex flex-col gap-0.5 px-3 py-2" data-testid="preflight-problem">
              <code className="font-mono text-xs font-medium text-rose-700">
                {p.path}
                {p.code && <span className="ml-2 text-rose-500">{p.code}</span>}
              </code>
              <span className="text-sm text-slate-700">{p.message}</span>
              {p.hint && <span className="text-xs text-slate-500">{p.hint}</span>}
            </li>
          ))}
        </ul>
      )}

      {skips.length > 0 && (
        <div>
          <h3 className="mb-1 text-xs font-semibold text-slate-600">
            Skipped records{skipCount > skips.length ? ` (the first ${skips.length.toLocaleString()} of ${skipCount.toLocaleString()})` : ''}
          </h3>
          <ul className="scrollbar-thin max-h-48 divide-y divide-slate-100 overflow-auto rounded-lg text-xs ring-1 ring-slate-200" data-testid="preflight-skips">
            {skips.map((s) => (
              <li key={s.index} className="flex gap-3 px-2 py-1" data-testid="preflight-skip" data-row={s.row ?? undefined}>
                <span className="w-20 shrink-0 font-mono tabular-nums text-slate-700">{s.row !== null ? `row ${s.row}` : `record #${s.index + 1}`}</span>
                <span className="text-slate-600">{s.reason}</span>
              </li>
            ))}
          </ul>
        </div>
      )}

      {rejects.length > 0 && (
        <div>
          <h3 className="mb-1 text-xs font-semibold text-slate-600">
            Rejected rows{rejectCount > rejects.length ? ` (the first ${rejects.length.toLocaleString()} of ${rejectCount.toLocaleString()})` : ''}
          </h3>
          <div className="scrollbar-thin max-h-64 overflow-auto rounded-lg ring-1 ring-slate-200" data-testid="preflight-rejects">
            <table className="w-full text-left text-xs">
              <thead className="sticky top-0 bg-slate-50 text-slate-500">
                <tr>
                  <th className="px-2 py-1.5 font-medium">Row</th>
                  <th className="px-2 py-1.5 font-medium">Field</th>
                  <th className="px-2 py-1.5 font-medium">Rule</th>
                  <th className="px-2 py-1.5 font-medium">Value</th>
                  <th className="px-2 py-1.5 font-medium">Why</th>
                </tr>
              </thead>
              <tbody className="divide-y divide-slate-100">
                {rejects.map((r, i) => (
                  <tr key={i} data-testid="preflight-reject" data-row={r.row}>
                    <td className="px-2 py-1 font-mono tabular-nums text-slate-700">{r.row}</td>
                    <td className="px-2 py-1 font-mono text-slate-700">{r.field ?? '—'}</td>
                    <td className="px-2 py-1 text-slate-600">{r.rule}</td>
                    <td className="max-w-40 truncate px-2 py-1 font-mono text-slate-700" title={JSON.stringify(r.value)}>
                      {jsonPreview(r.value, 60)}
                    </td>
                    <td className="px-2 py-1 text-slate-600">{r.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      )}

      {sample.length > 0 && (
        <details className="text-xs text-slate-600">
          <summary className="cursor-pointer select-none">First {plural(sample.length, 'record')} as the flow would get them</summary>
          <JsonBlock value={sample} className="mt-1 max-h-48" testId="preflight-sample" />
        </details>
      )}
    </div>
  );
}
