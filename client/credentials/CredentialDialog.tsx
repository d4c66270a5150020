import { useEffect, useMemo, useState } from 'react';
import { ApiError, errorMessage } from '../api/http.ts';
import type { NodeTypeInfo } from '../api/types.ts';
import { Button } from '../components/Button.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { Select, TextInput } from '../components/TextInput.tsx';
import { FieldShell } from '../forms/FieldShell.tsx';
import { humanize, type JSONSchema } from '../forms/schema.ts';
import { useCatalog } from '../stores/catalog-store.ts';
import { credentialsApi, TESTABLE_KINDS, type Credential, type CredentialKindInfo, type CredentialTestResult } from './api.ts';

interface Props {
  open: boolean;
  /** The credential to edit; null to create one. */
  credential: Credential | null;
  kinds: CredentialKindInfo[];
  onClose(): void;
  onSaved(c: Credential): void;
}

type Values = Record<string, string | number | boolean>;

/** Node types that declare they accept credentials of `kind`. */
function typesFor(catalog: NodeTypeInfo[], kind: string): string[] {
  return catalog
    .filter((t) => (t.credentials ?? []).some((c) => ([] as string[]).concat(c.kind as string | string[]).includes(kind)))
    .map((t) => t.type);
}

function defaults(info: CredentialKindInfo | undefined): Values {
  const out: Values = {};
  for (const [name, p] of Object.entries(info?.schema.properties ?? {})) {
    if (info?.secret.includes(name)) continue;
    out[name] = p.default !== undefined ? (p.default as string | number | boolean) : p.type === 'boolean' ? false : '';
  }
  return out;
}

/**
 * Create or edit a credential: the kind's fields come from GET /api/credentials/kinds. Secret
 * fields are password inputs that start empty; when editing, empty means "keep the saved one".
 */
export function CredentialDialog({ open, credential, kinds, onClose, onSaved }: Props) {
  const catalog = useCatalog((s) => s.types);
  const editing = credential !== null;
  const [name, setName] = useState('');
  const [kind, setKind] = useState('');
  const [values, setValues] = useState<Values>({});
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const [nodeTypes, setNodeTypes] = useState<string[]>([]);
  const [hosts, setHosts] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ message: string; problems: Array<{ path: string; message: string }> } | null>(null);
  const [testUrl, setTestUrl] = useState('');
  const [testing, setTesting] = useState(false);
  const [tested, setTested] = useState<CredentialTestResult | null>(null);

  useEffect(() => {
    void useCatalog.getState().load();
  }, []);

  // A fresh form each time the dialog opens.
  useEffect(() => {
    if (!open) return;
    const k = credential?.kind ?? kinds[0]?.kind ?? '';
    const info = kinds.find((x) => x.kind === k);
    setName(credential?.name ?? '');
    setKind(k);
    setValues({ ...defaults(info), ...((credential?.fields ?? {}) as Values) });
    setSecrets({});
    setNodeTypes(credential?.scope.nodeTypes ?? typesFor(useCatalog.getState().types, k));
    setHosts((credential?.scope.hosts ?? []).join(', '));
    setError(null);
    setBusy(false);
    setTested(null);
    setTesting(false);
  }, [open, credential, kinds]);

  const info = kinds.find((k) => k.kind === kind);
  const accepting = useMemo(() => typesFor(catalog, kind), [catalog, kind]);
  // Types that accept this kind first, then any type already in the scope.
  const shownTypes = useMemo(() => [...new Set([...accepting, ...nodeTypes])], [accepting, nodeTypes]);

  const changeKind = (k: string) => {
    setKind(k);
    setValues(defaults(kinds.find((x) => x.kind === k)));
    setSecrets({});
    setNodeTypes(typesFor(catalog, k));
  };

  /** Tests the form as it is (saved secrets fill the empty ones when editing); nothing is saved. */
  const testConnection = async () => {
    setTesting(true);
    setTested(null);
    const filled = Object.fromEntries(Object.entries(secrets).filter(([, v]) => v !== ''));
    const hostList = hosts.split(/[\s,]+/).map((h) => h.trim()).filter(Boolean);
    try {
      setTested(
        await credentialsApi.test({ ...(editing ? { id: credential.id } : {}), name, kind, fields: values, secrets: filled, scope: { nodeTypes, ...(hostList.length ? { hosts: hostList } : {}) }, url: testUrl }),
      );
    } catch (err) {
      setTested({ ok: false, error: { code: err instanceof ApiError ? err.code : 'E_CREDENTIAL_TEST_FAILED', message: errorMessage(err), hint: '' }, ms: 0 });
    } finally {
      setTesting(false);
    }
  };

  const save = async () => {
    setBusy(true);
    setError(null);
    const filled = Object.fromEntries(Object.entries(secrets).filter(([, v]) => v !== ''));
    const hostList = hosts.split(/[\s,]+/).map((h) => h.trim()).filter(Boolean);
    const scope = { nodeTypes, ...(hostList.length ? { hosts: hostList } : {}) };
    try {
      const saved = editing
        ? await credentialsApi.update(credential.id, { name, fields: values, secrets: filled, scope })
        : await credentialsApi.create({ name, kind, fields: values, secrets: filled, scope });
      setSecrets({});
      onSaved(saved);
    } catch (err) {
      setError({ message: errorMessage(err), problems: err instanceof ApiError ? err.problems : [] });
      setBusy(false);
    }
  };

  const properties = Object.entries(info?.schema.properties ?? {});
  const required = new Set(info?.schema.required ?? []);

  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={editing ? `Edit credential “${credential.name}”` : 'New credential'}
      description="Secrets are stored encrypted and never shown again; flows refer to the credential by its name."
      size="lg"
      testId="credential-dialog"
      footer={
        <>
          <Button onClick={onClose} data-testid="btn-cred-cancel">
            Cancel
          </Button>
          <Button variant="primary" loading={busy} onClick={save} data-testid="btn-cred-save">
            {editing ? 'Save changes' : 'Create credential'}
          </Button>
        </>
      }
    >
      <form
        className="space-y-4"
        autoComplete="off"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <div className="grid grid-cols-2 gap-4">
          <FieldShell id="cred-name" label="Name" required description="Unique; this is what flows refer to.">
            <TextInput id="f-cred-name" data-testid="cred-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. CRM API (production)" data-autofocus />
          </FieldShell>
          <FieldShell id="cred-kind" label="Kind" required description={info?.description}>
            <Select id="f-cred-kind" data-testid="cred-kind" value={kind} disabled={editing} onChange={(e) => changeKind(e.target.value)}>
              {kinds.map((k) => (
                <option key={k.kind} value={k.kind}>
                  {k.title}
                </option>
              ))}
            </Select>
          </FieldShell>
        </div>

        <div className="grid grid-cols-2 gap-4">
          {properties.map(([field, p]) => (
            <KindField
              key={`${kind}:${field}`}
              field={field}
              schema={p}
              required={required.has(field) && p.default === undefined}
              secret={info?.secret.includes(field) ?? false}
              isSet={!!credential?.secrets[field]}
              value={info?.secret.includes(field) ? secrets[field] ?? '' : values[field]}
              onChange={(v) => (info?.secret.includes(field) ? setSecrets((s) => ({ ...s, [field]: String(v) })) : setValues((s) => ({ ...s, [field]: v })))}
            />
          ))}
        </div>

        <fieldset className="space-y-3 rounded-lg bg-slate-50 p-3 ring-1 ring-slate-200" data-testid="cred-scope">
          <legend className="px-1 text-[13px] font-medium text-slate-700">Who may use it</legend>
          <div className="space-y-1.5">
            <p className="text-xs text-slate-500">Node types allowed to use this credential:</p>
            {shownTypes.length === 0 && <p className="text-xs text-amber-700">No node type accepts this kind of credential yet.</p>}
            <div className="flex flex-wrap gap-x-4 gap-y-1.5">
              {shownTypes.map((t) => {
                const title = catalog.find((c) => c.type === t)?.title ?? t;
                return (
                  <label key={t} className="flex items-center gap-1.5 text-sm text-slate-700">
                    <input
                      type="checkbox"
                      data-testid={`cred-scope-${t}`}
                      checked={nodeTypes.includes(t)}
                      onChange={(e) => setNodeTypes((list) => (e.target.checked ? [...list, t] : list.filter((x) => x !== t)))}
                    />
                    {title} <span className="font-mono text-[11px] text-slate-400">{t}</span>
                  </label>
                );
              })}
            </div>
          </div>
          <FieldShell id="cred-hosts" label="Hosts (optional)" description="Only send it to these hosts, e.g. api.example.com, *.example.com. Empty: any host the steps call.">
            <TextInput id="f-cred-hosts" data-testid="cred-hosts" value={hosts} onChange={(e) => setHosts(e.target.value)} placeholder="api.example.com, *.example.org" />
          </FieldShell>
        </fieldset>

        {TESTABLE_KINDS.includes(kind) && (
          <div className="space-y-2 rounded-lg p-3 ring-1 ring-slate-200" data-testid="cred-test">
            <div className="flex items-end gap-2">
              {(kind === 'api_key' || kind === 'basic') && (
                <FieldShell id="cred-test-url" label="Test with the address" description="A page of the service the credential opens; one GET is sent with it.">
                  <TextInput id="f-cred-test-url" data-testid="cred-test-url" value={testUrl} onChange={(e) => setTestUrl(e.target.value)} placeholder="https://api.example.com/me" />
                </FieldShell>
              )}
              <Button onClick={() => void testConnection()} loading={testing} data-testid="btn-cred-test">
                Test connection
              </Button>
            </div>
            {tested && (
              <div
                role="status"
                data-testid="cred-test-result"
                data-ok={String(tested.ok)}
                data-code={tested.ok ? undefined : tested.error.code}
                className={tested.ok ? 'rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800 ring-1 ring-emerald-200' : 'rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-700 ring-1 ring-rose-200'}
              >
                {tested.ok ? (
                  <p>Connection works: {tested.message}</p>
                ) : (
                  <>
                    <p>
                      <span className="font-mono text-xs">{tested.error.code}</span> {tested.error.message}
                    </p>
                    {tested.error.hint && <p className="mt-0.5 text-xs">{tested.error.hint}</p>}
                  </>
                )}
              </div>
            )}
          </div>
        )}

        {error && (
          <div className="rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-700 ring-1 ring-rose-200" data-testid="cred-error">
            {error.problems.length > 0 ? (
              <>
                <p>Some fields need a fix:</p>
                <ul className="mt-1 list-disc pl-5 text-xs">
                  {error.problems.map((p, i) => (
                    <li key={i} title={p.path}>
                      {p.message}
                    </li>
                  ))}
                </ul>
              </>
            ) : (
              <p>{error.message}</p>
            )}
          </div>
        )}
        <button type="submit" hidden />
      </form>
    </Dialog>
  );
}

function KindField({
  field,
  schema,
  required,
  secret,
  isSet,
  value,
  onChange,
}: {
  field: string;
  schema: JSONSchema & { writeOnly?: boolean };
  required: boolean;
  secret: boolean;
  isSet: boolean;
  value: string | number | boolean | undefined;
  onChange(v: string | number | boolean): void;
}) {
  const label = schema.title || humanize(field);
  const id = `cred-field-${field}`;
  if (schema.type === 'boolean') {
    return (
      <label className="col-span-2 flex items-center gap-2 text-sm text-slate-700" data-field={id}>
        <input type="checkbox" id={`f-${id}`} data-testid={id} checked={value === true} onChange={(e) => onChange(e.target.checked)} />
        {label}
      </label>
    );
  }
  if (secret) {
    return (
      <FieldShell id={id} label={label} required={!isSet} description={schema.description}>
        <TextInput
          id={`f-${id}`}
          data-testid={id}
          type="password"
          autoComplete="new-password"
          spellCheck={false}
          value={typeof value === 'string' ? value : ''}
          placeholder={isSet ? 'set — leave empty to keep' : ''}
          onChange={(e) => onChange(e.target.value)}
        />
      </FieldShell>
    );
  }
  const numeric = schema.type === 'integer' || schema.type === 'number';
  return (
    <FieldShell id={id} label={label} required={required} description={schema.description}>
      <TextInput
        id={`f-${id}`}
        data-testid={id}
        type={numeric ? 'number' : 'text'}
        value={value === undefined || value === null ? '' : String(value)}
        placeholder={typeof schema.default === 'string' && schema.default ? schema.default : undefined}
        onChange={(e) => onChange(numeric ? (e.target.value === '' ? '' : Number(e.target.value)) : e.target.value)}
      />
    </FieldShell>
  );
}
