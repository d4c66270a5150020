import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { ApiError, errorMessage } from '../api/http.ts';
import { Button } from '../components/Button.tsx';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { DataTable, TablePager, type Column } from '../components/DataTable.tsx';
import { EmptyState, ErrorState } from '../components/EmptyState.tsx';
import { LoadingState } from '../components/Spinner.tsx';
import { TextInput } from '../components/TextInput.tsx';
import { dateTime, plural } from '../lib/format.ts';
import { useAsync } from '../lib/use-async.ts';
import { toast } from '../stores/toast-store.ts';
import { Card, PageBody, PageHeader } from '../pages/PageHeader.tsx';
import { MailOffIcon } from '../pages/nav-icons.tsx';
import { trackingApi } from './api.ts';
import { SUPPRESSION_NOTE_MAX, type Suppression } from '../../server/contract/wire/tracking.ts';
import { TooLong, tooLong } from '../components/TooLong.tsx';

const PAGE = 100;
const COLUMNS: Column[] = [{ label: 'Address', className: 'px-5 py-2.5' }, { label: 'How' }, { label: 'Since' }, { className: 'w-28 px-3 py-2.5' }];

/**
 * The suppression list: addresses no Send mail step of this installation mails any more — those
 * that unsubscribed through a tracked mail's link, and those added here. Removing one lets mail
 * reach it again.
 */
export function SuppressionPage() {
  const [search, setSearch] = useState('');
  const [offset, setOffset] = useState(0);
  const list = useAsync(() => trackingApi.suppressions({ search, offset, limit: PAGE }), [search, offset]);
  const [removing, setRemoving] = useState<Suppression | null>(null);

  const remove = async () => {
    if (!removing) return;
    try {
      await trackingApi.unsuppress(removing.address);
      toast.success('Address removed', `${removing.address} can be mailed again.`);
      setRemoving(null);
      list.reload();
    } catch (err) {
      toast.error('Could not remove the address', err instanceof ApiError ? `${err.message} ${err.hint}` : errorMessage(err));
    }
  };

  const data = list.data;
  return (
    <PageBody>
      <div data-testid="suppression-page" className="space-y-5">
        <PageHeader
          title="Suppression list"
          subtitle="Addresses no Send mail step mails any more: people who unsubscribed through a tracked mail, and addresses added here. Records sent to them are skipped, with the reason."
        />
        <AddForm onAdded={list.reload} />
        <Card>
          <div className="flex items-center gap-3 border-b border-slate-200 px-5 py-2.5 text-sm">
            <span className="font-medium text-slate-700" data-testid="suppression-total">
              {data ? plural(data.total, 'address', 'addresses') : ' '}
            </span>
            <TextInput
              className="ml-auto w-64"
              placeholder="Search addresses"
              aria-label="Search addresses"
              value={search}
              data-testid="suppression-search"
              onChange={(e) => {
                setSearch(e.target.value);
                setOffset(0);
              }}
            />
          </div>
          {list.loading && !data ? (
            <LoadingState label="Loading the list…" />
          ) : list.error && !data ? (
            <ErrorState title="Could not load the suppression list" message={errorMessage(list.error)} onRetry={list.reload} />
          ) : data ? (
            <>
              <DataTable
                testId="suppression-table"
                columns={COLUMNS}
                rows={data.items}
                // Only when the list is empty: a page past its end (a removal) keeps the header and the pager.
                empty={
                  data.total === 0 ? (
                    <EmptyState icon={<MailOffIcon size={22} />} title={search ? 'No address matches' : 'Nobody has unsubscribed'} data-testid="suppression-empty">
                      {search ? 'Try another part of the address.' : 'Addresses appear here when someone uses the unsubscribe link of a tracked mail, or when you add one above.'}
                    </EmptyState>
                  ) : undefined
                }
                row={(s) => (
                  <tr key={s.address} data-testid="suppression-row" data-address={s.address}>
                    <td className="px-5 py-2.5 font-mono text-slate-800">{s.address}</td>
                    <td className="px-3 py-2.5 text-slate-600">
                      <How item={s} />
                    </td>
                    <td className="px-3 py-2.5 text-slate-600">{dateTime(s.at)}</td>
                    <td className="px-3 py-2.5 text-right">
                      <Button size="xs" variant="ghost" onClick={() => setRemoving(s)} data-testid="suppression-remove">
                        Remove
                      </Button>
                    </td>
                  </tr>
                )}
              />
              <TablePager noun="addresses" offset={offset} pageSize={PAGE} total={data.total} onPage={setOffset} />
            </>
          ) : null}
        </Card>
      </div>
      <ConfirmDialog
        open={removing !== null}
        title="Mail this address again?"
        confirmLabel="Remove from the list"
        onConfirm={remove}
        danger
        onCancel={() => setRemoving(null)}
      >
        {removing?.source === 'unsubscribe'
          ? `${removing.address} unsubscribed. Only remove it if they asked to receive these mails again.`
          : `${removing?.address ?? ''} will receive mail from send steps again.`}
      </ConfirmDialog>
    </PageBody>
  );
}

/** How an address came onto the list: its unsubscribe link (from which run's mail), or by hand (with the note). */
function How({ item }: { item: Suppression }) {
  if (item.source !== 'unsubscribe') return <>Added by hand{item.note ? `: ${item.note}` : ''}</>;
  return (
    <>
      Unsubscribed
      {item.runId && (
        <>
          {' '}
          from{' '}
          <Link className="text-indigo-700 hover:underline" to={`/runs/${encodeURIComponent(item.runId)}`}>
            a mail of this run
          </Link>
        </>
      )}
    </>
  );
}

function AddForm({ onAdded }: { onAdded(): void }) {
  const [address, setAddress] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const noteOver = tooLong(note.trim(), SUPPRESSION_NOTE_MAX);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (noteOver) return;
    setBusy(true);
    setError(null);
    try {
      await trackingApi.suppress(address.trim(), note.trim() || undefined);
      toast.success('Address added', `${address.trim()} will not be mailed any more.`);
      setAddress('');
      setNote('');
      onAdded();
    } catch (err) {
      setError(err instanceof ApiError ? `${err.message} ${err.hint}` : errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card className="p-5">
      <form className="flex flex-wrap items-end gap-3" onSubmit={submit} data-testid="suppression-add">
        <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
          Address
          <TextInput value={address} onChange={(e) => setAddress(e.target.value)} placeholder="name@example.com" className="w-72" invalid={error !== null} data-testid="suppression-address" required />
        </label>
        <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
          Note (optional)
          <TextInput value={note} onChange={(e) => setNote(e.target.value)} placeholder="asked by phone" className="w-64" invalid={noteOver} data-testid="suppression-note" />
          <TooLong value={note.trim()} max={SUPPRESSION_NOTE_MAX} what="note" testId="suppression-note-too-long" />
        </label>
        <Button type="submit" variant="primary" loading={busy} disabled={!address.trim() || noteOver} data-testid="suppression-add-submit">
          Add to the list
        </Button>
      </form>
      {error && (
        <p className="mt-2 text-sm text-rose-700" role="alert" data-testid="suppression-add-error">
          {error}
        </p>
      )}
    </Card>
  );
}
