import type { MailTracking } from '../../server/contract/wire/report.ts';
import { plural } from '../lib/format.ts';
import { Card } from './PageHeader.tsx';

/** The report's tracked mail: opens, clicks and unsubscribes, and how many records had each. */
export function ReportTracking({ tracking }: { tracking: MailTracking }) {
  const rows: Array<[string, number, number, string]> = [
    ['Opens', tracking.opens, tracking.openedRecords, 'opens'],
    ['Clicks', tracking.clicks, tracking.clickedRecords, 'clicks'],
    ['Unsubscribes', tracking.unsubscribes, tracking.unsubscribedRecords, 'unsubscribes'],
  ];
  return (
    <Card>
      <div className="border-b border-slate-200 px-5 py-3">
        <h2 className="text-sm font-semibold text-slate-900">Mail tracking</h2>
        <p className="mt-0.5 text-xs text-slate-500">What came back from the mails this run sent with tracking on, so far.</p>
      </div>
      <div className="grid grid-cols-3 gap-x-6 px-5 py-4" data-testid="report-tracking">
        {rows.map(([label, events, records, id]) => (
          <div key={id}>
            <div className="text-xs text-slate-500">{label}</div>
            <div className="mt-0.5 text-lg font-semibold text-slate-900 tabular-nums" data-testid={`report-tracking-${id}`}>
              {events.toLocaleString()}
            </div>
            <div className="text-xs text-slate-500">{plural(records, 'record')}</div>
          </div>
        ))}
      </div>
    </Card>
  );
}
