import type { Problem } from '../api/http.ts';

/** Every problem of a rejected flow: its JSON path and what to do. */
export function ProblemList({ problems }: { problems: Problem[] }) {
  return (
    <ul className="max-h-80 divide-y divide-rose-100 overflow-y-auto rounded-lg bg-rose-50/60 ring-1 ring-rose-200" data-testid="problem-list">
      {problems.map((p, i) => (
        <li key={i} className="flex flex-col gap-0.5 px-3 py-2" data-testid="problem">
          <code className="font-mono text-xs font-medium text-rose-700" data-testid="problem-path">
            {p.path}
          </code>
          <span className="text-sm text-slate-700" data-testid="problem-message">
            {p.message}
          </span>
        </li>
      ))}
    </ul>
  );
}
