import type { Problem } from '../api/http.ts';

/** Every problem of a rejected flow: its JSON path, the step it is in (when `stepOf` knows it) and what to do. */
export function ProblemList({ problems, stepOf }: { problems: Problem[]; stepOf?(p: Problem): string | undefined }) {
  return (
    <ul className="max-h-80 divide-y divide-rose-100 overflow-y-auto rounded-lg bg-rose-50/60 ring-1 ring-rose-200" data-testid="problem-list">
      {problems.map((p, i) => (
        <ProblemItem key={i} problem={p} step={stepOf?.(p)} />
      ))}
    </ul>
  );
}

function ProblemItem({ problem, step }: { problem: Problem; step?: string }) {
  return (
    <li className="flex flex-col gap-0.5 px-3 py-2" data-testid="problem">
      {step && (
        <span className="text-xs font-semibold text-slate-800" data-testid="problem-step">
          Step “{step}”
        </span>
      )}
      <code className="font-mono text-xs font-medium text-rose-700" data-testid="problem-path">
        {problem.path}
      </code>
      <span className="text-sm text-slate-700" data-testid="problem-message">
        {problem.message}
      </span>
    </li>
  );
}
