import { useAsync } from '../lib/use-async.ts';
import { dateTime } from '../lib/format.ts';
import { trackingApi } from './api.ts';
import type { TrackingEvent } from '../../server/contract/wire/tracking.ts';

const LABEL: Record<TrackingEvent['kind'], string> = { open: 'Opened', click: 'Clicked', unsubscribe: 'Unsubscribed' };
const DOT: Record<TrackingEvent['kind'], string> = { open: 'bg-sky-400', click: 'bg-emerald-500', unsubscribe: 'bg-rose-500' };

/**
 * What came back from the record's tracked mail: opens, clicks (with the address) and unsubscribes,
 * oldest first. Shows nothing for records whose mail was not tracked or not yet read.
 */
export function MailActivity({ runId, index, nodeNames }: { runId: string; index: number; nodeNames: Record<string, string> }) {
  const res = useAsync(() => trackingApi.recordEvents(runId, index), [runId, index]);
  const events = res.data?.events ?? [];
  if (events.length === 0) return null;
  return (
    <div>
      <h4 className="mb-2 text-xs font-semibold tracking-wide text-slate-400 uppercase">Mail activity ({events.length})</h4>
      <ol className="relative ml-1.5 border-l border-slate-200 pl-4" data-testid="mail-activity">
        {events.map((e, i) => (
          <li key={i} className="relative pb-2 last:pb-0 text-sm" data-testid="mail-event" data-kind={e.kind}>
            <span className={`absolute top-1.5 -left-[22px] size-2.5 rounded-full ring-2 ring-white ${DOT[e.kind]}`} aria-hidden="true" />
            <span className="font-medium text-slate-800">{LABEL[e.kind]}</span>
            {e.kind === 'click' && e.url && (
              <span className="ml-2 break-all text-slate-600">
                link {(e.link ?? 0) + 1}: <span className="font-mono text-xs">{e.url}</span>
              </span>
            )}
            <span className="ml-2 text-xs text-slate-400">{nodeNames[e.nodeId] ?? e.nodeId}</span>
            <span className="float-right text-xs text-slate-400 tabular-nums">{dateTime(e.at)}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}
