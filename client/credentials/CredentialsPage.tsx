import { useEffect, useState } from 'react';
import { errorMessage } from '../api/http.ts';
import { Badge } from '../components/Badge.tsx';
import { Button, IconButton } from '../components/Button.tsx';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { EmptyState, ErrorState } from '../components/EmptyState.tsx';
import { PencilIcon, PlusIcon, TrashIcon } from '../components/icons.tsx';
import { LoadingState } from '../components/Spinner.tsx';
import { dateTime, timeAgo } from '../lib/format.ts';
import { Card, PageBody, PageHeader } from '../pages/PageHeader.tsx';
import { toast } from '../stores/toast-store.ts';
import { credentialsApi, type Credential } from './api.ts';
import { CredentialDialog } from './CredentialDialog.tsx';
import { kindTitle, useCredentials } from './credentials-store.ts';
import { KeyIcon } from './KeyIcon.tsx';
import { DataTable, type Column } from '../components/DataTable.tsx';

/** /credentials: the vault's credentials (never their secrets), with create, edit and delete. */
const CREDENTIAL_COLUMNS: Column[] = [
  { label: 'Name', className: 'px-5 py-2.5' },
  { label: 'Kind' },
  { label: 'Scope' },
  { label: 'Updated', className: 'w-36 px-3 py-2.5' },
  { className: 'w-24 px-3 py-2.5' },
];

export function CredentialsPage() {
  const { items, kinds, status, error } = useCredentials();
  const [editing, setEditing] = useState<Credential | null>(null);
  const [dialogOpen, setDialogOpen] = useState(false);
  const [deleting, setDeleting] = useState<Credential | null>(null);

  useEffect(() => {
    void useCredentials.getState().load(true);
  }, []);

  const openNew = () => {
    setEditing(null);
    setDialogOpen(true);
  };
  const openEdit = (c: Credential) => {
    setEditing(c);
    setDialogOpen(true);
  };

  return (
    <PageBody>
      <div data-testid="credentials-page">
        <PageHeader
          title="Credentials"
          subtitle="API keys and passwords your flows use. They are stored encrypted, never shown again, and masked in every log and record."
          actions={
            <Button variant="primary" icon={<PlusIcon />} onClick={openNew} disabled={!kinds.length} data-testid="btn-new-credential">
              New credential
            </Button>
          }
        />
        {status !== 'ready' && status !== 'error' && !items.length ? (
          <Card>
            <LoadingState label="Loading credentials…" />
          </Card>
        ) : status === 'error' ? (
          <Card>
            <ErrorState title="Could not load the credentials" message={error ?? ''} onRetry={() => void useCredentials.getState().load(true)} />
          </Card>
        ) : items.length === 0 ? (
          <Card>
            <EmptyState
              icon={<KeyIcon size={22} />}
              title="No credentials yet"
              data-testid="credentials-empty"
              action={
                <Button variant="primary" onClick={openNew} disabled={!kinds.length}>
                  New credential
                </Button>
              }
            >
              Add the API keys and passwords your flows need here, then pick them in a step's settings. Flows only hold a credential's name.
            </EmptyState>
          </Card>
        ) : (
          <Card>
            <DataTable
              testId="credentials-table"
              columns={CREDENTIAL_COLUMNS}
              rows={items}
              row={(c) => (
                  <tr key={c.id} data-testid="credential-row" data-name={c.name} data-id={c.id} className="hover:bg-slate-50/60">
                    <td className="px-5 py-3">
                      <div className="font-medium text-slate-900" data-testid="credential-name">
                        {c.name}
                      </div>
                      <div className="text-xs text-slate-500">
                        {Object.keys(c.secrets).map((s) => (
                          <span key={s} className="mr-2">
                            {s}: <span className="font-mono">set</span>
                          </span>
                        ))}
                      </div>
                    </td>
                    <td className="px-3 py-3 text-slate-700">{kindTitle(kinds, c.kind)}</td>
                    <td className="px-3 py-3">
                      <div className="flex flex-wrap gap-1">
                        {c.scope.nodeTypes.map((t) => (
                          <Badge key={t} tone="slate">
                            {t}
                          </Badge>
                        ))}
                      </div>
                      <div className="mt-1 text-xs text-slate-500">{c.scope.hosts?.length ? `only to ${c.scope.hosts.join(', ')}` : 'any host'}</div>
                    </td>
                    <td className="px-3 py-3 text-slate-600" title={dateTime(c.updatedAt)}>
                      {timeAgo(c.updatedAt)}
                    </td>
                    <td className="px-3 py-3">
                      <div className="flex justify-end gap-1">
                        <IconButton label={`Edit ${c.name}`} icon={<PencilIcon />} onClick={() => openEdit(c)} data-testid="btn-edit-credential" />
                        <IconButton label={`Delete ${c.name}`} icon={<TrashIcon />} onClick={() => setDeleting(c)} data-testid="btn-delete-credential" />
                      </div>
                    </td>
                  </tr>
              )}
            />
          </Card>
        )}
      </div>

      <CredentialDialog
        open={dialogOpen}
        credential={editing}
        kinds={kinds}
        onClose={() => setDialogOpen(false)}
        onSaved={(saved) => {
          setDialogOpen(false);
          toast.success(editing ? 'Credential saved' : 'Credential created', saved.name);
          void useCredentials.getState().load(true);
        }}
      />
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete the credential “${deleting?.name ?? ''}”?`}
        confirmLabel="Delete"
        danger
        onCancel={() => setDeleting(null)}
        onConfirm={async () => {
          if (!deleting) return;
          try {
            await credentialsApi.remove(deleting.id);
            toast.success('Credential deleted', deleting.name);
            setDeleting(null);
            await useCredentials.getState().load(true);
          } catch (err) {
            toast.error('Could not delete the credential', errorMessage(err));
          }
        }}
      >
        Steps that use it will fail with E_CREDENTIAL_NOT_FOUND until you pick another credential. Its secret is erased from the vault.
      </ConfirmDialog>
    </PageBody>
  );
}
