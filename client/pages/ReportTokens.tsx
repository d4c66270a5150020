import type { TokenTotals } from '../../server/contract/wire/report.ts';
import { plural } from '../lib/format.ts';
import { useCatalog } from '../stores/catalog-store.ts';
import { Card } from './PageHeader.tsx';

interface StepTokens {
  nodeId: string;
  name: string;
  type: string;
  tokens?: TokenTotals;
}

/**
 * The report's AI token use: the run's total (prompts + answers) and each AI step's share. Every
 * model answer counts, corrected ones and those of steps that failed included: they were paid for.
 */
export function ReportTokens({ tokens, steps }: { tokens: TokenTotals; steps: StepTokens[] }) {
  const byType = useCatalog((c) => c.byType);
  const ai = steps.filter((s) => s.tokens);
  return (
    <Card>
      <div className="border-b border-slate-200 px-5 py-3">
        <h2 className="text-sm font-semibold text-slate-900">AI tokens</h2>
        <p className="mt-0.5 text-xs text-slate-500">Every model answer, corrections and failed steps included.</p>
      </div>
      <div className="grid grid-cols-2 gap-x-6 gap-y-4 px-5 py-4 md:grid-cols-4" data-testid="report-tokens">
        <Figure label="Tokens used" value={tokens.total} testId="report-tokens-total" strong />
        <Figure label="Prompts" value={tokens.prompt} testId="report-tokens-prompt" />
        <Figure label="Answers" value={tokens.completion} testId="report-tokens-completion" />
        <div>
          <div className="text-xs text-slate-500">Model answers</div>
          <div className="mt-0.5 text-sm font-medium text-slate-900 tabular-nums" data-testid="report-tokens-answers">
            {plural(tokens.answers, 'answer')}
          </div>
        </div>
      </div>
      {ai.length > 1 && (
        <ul className="divide-y divide-slate-100 border-t border-slate-200 text-sm">
          {ai.map((s) => (
            <li key={s.nodeId} className="flex items-center justify-between px-5 py-2" data-testid={`report-tokens-step-${s.nodeId}`}>
              <span className="text-slate-700">{s.name === s.type ? (byType[s.type]?.title ?? s.name) : s.name}</span>
              <span className="text-slate-900 tabular-nums">{s.tokens!.total.toLocaleString()} tokens</span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function Figure({ label, value, testId, strong = false }: { label: string; value: number; testId: string; strong?: boolean }) {
  return (
    <div>
      <div className="text-xs text-slate-500">{label}</div>
      <div className={`mt-0.5 tabular-nums ${strong ? 'text-lg font-semibold text-slate-900' : 'text-sm font-medium text-slate-900'}`} data-testid={testId}>
        {value.toLocaleString()}
      </div>
    </div>
  );
}
