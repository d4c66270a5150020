import { cn } from '../lib/cn.ts';
import { isRecordData } from './step-data.ts';

export type DataMode = 'table' | 'json';

/** "Table | JSON" switch of a data panel. */
export function DataModeSwitch({ mode, onChange, testIdPrefix = 'data-mode' }: { mode: DataMode; onChange(mode: DataMode): void; testIdPrefix?: string }) {
  const item = (m: DataMode, label: string) => (
    <button
      type="button"
      aria-pressed={mode === m}
      onClick={() => onChange(m)}
      className={cn('rounded px-2 py-0.5 text-[11px] font-medium', mode === m ? 'bg-white text-slate-900 shadow-sm ring-1 ring-slate-200' : 'text-slate-500 hover:text-slate-800')}
      data-testid={`${testIdPrefix}-${m}`}
    >
      {label}
    </button>
  );
  return (
    <span className="inline-flex items-center gap-0.5 rounded-md bg-slate-100 p-0.5">
      {item('table', 'Table')}
      {item('json', 'JSON')}
    </span>
  );
}

/**
 * A record's data as people read it: a table of its fields (nested objects and lists open as a
 * tree), or the JSON. A list of records shows each one.
 */
export function DataView({ value, mode, testId }: { value: unknown; mode: DataMode; testId?: string }) {
  if (mode === 'json') {
    return (
      <pre className="scrollbar-thin max-h-80 overflow-auto rounded-md bg-slate-900 p-2 font-mono text-[11px] leading-relaxed text-slate-100" data-testid={testId} data-mode="json">
        {value === undefined ? '' : JSON.stringify(value, null, 2)}
      </pre>
    );
  }
  return (
    <div className="scrollbar-thin max-h-80 overflow-auto rounded-md ring-1 ring-slate-200" data-testid={testId} data-mode="table">
      {Array.isArray(value) && value.every(isRecordData) && value.length > 0 ? (
        value.map((item, i) => (
          <div key={i} className="border-b border-slate-100 last:border-b-0">
            <p className="bg-slate-50 px-2 py-0.5 text-[10px] font-semibold tracking-wide text-slate-400 uppercase">Item {i + 1}</p>
            <FieldTable record={item} />
          </div>
        ))
      ) : isRecordData(value) ? (
        <FieldTable record={value} />
      ) : (
        <p className="px-2 py-1.5 text-xs">
          <Scalar value={value} />
        </p>
      )}
    </div>
  );
}

function FieldTable({ record, path = '' }: { record: Record<string, unknown>; path?: string }) {
  const entries = Object.entries(record);
  if (entries.length === 0) return <p className="px-2 py-1.5 text-xs text-slate-400">No fields.</p>;
  return (
    <table className="w-full table-fixed text-xs">
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k} className="border-b border-slate-100 align-top last:border-b-0" data-testid="data-field" data-field={path + k}>
            <th scope="row" className="w-2/5 truncate px-2 py-1 text-left font-medium text-slate-500" title={path + k}>
              {k}
            </th>
            <td className="px-2 py-1 break-words text-slate-800" data-testid="data-value">
              <Value value={v} path={`${path}${k}.`} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Value({ value, path }: { value: unknown; path: string }) {
  if (Array.isArray(value)) {
    if (value.length === 0) return <span className="text-slate-400">empty list</span>;
    return (
      <details>
        <summary className="cursor-pointer text-slate-500">list of {value.length}</summary>
        <ol className="mt-1 space-y-1 border-l border-slate-200 pl-2">
          {value.map((item, i) => (
            <li key={i}>
              {isRecordData(item) ? (
                <div className="rounded ring-1 ring-slate-100">
                  <FieldTable record={item} path={`${path}${i}.`} />
                </div>
              ) : (
                <Scalar value={item} />
              )}
            </li>
          ))}
        </ol>
      </details>
    );
  }
  if (isRecordData(value)) {
    return (
      <details>
        <summary className="cursor-pointer text-slate-500">{Object.keys(value).length} fields</summary>
        <div className="mt-1 rounded ring-1 ring-slate-100">
          <FieldTable record={value} path={path} />
        </div>
      </details>
    );
  }
  return <Scalar value={value} />;
}

function Scalar({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <span className="text-slate-400 italic">{value === null ? 'null' : 'nothing'}</span>;
  if (typeof value === 'string') return value === '' ? <span className="text-slate-400 italic">empty text</span> : <span className="whitespace-pre-wrap">{value}</span>;
  if (typeof value === 'number') return <span className="font-mono text-sky-700">{value}</span>;
  if (typeof value === 'boolean') return <span className="font-mono text-violet-700">{String(value)}</span>;
  return <span className="font-mono">{JSON.stringify(value)}</span>;
}
