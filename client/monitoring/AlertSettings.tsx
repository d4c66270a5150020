import { useEffect, useState } from 'react';
import { ApiError, errorMessage } from '../api/http.ts';
import { Button } from '../components/Button.tsx';
import { Select, TextInput } from '../components/TextInput.tsx';
import { credentialsApi, type Credential } from '../credentials/api.ts';
import { alertsApi, type AlertRule, type AlertSettings as Settings, type AlertView, type Delivery } from './alerts-api.ts';

const KIND_LABEL: Record<AlertRule['kind'], string> = {
  failure_rate: 'Failure rate',
  run_stuck: 'Run makes no progress',
  schedule_missed: 'Schedule misses its tick',
};

function newRule(kind: AlertRule['kind'], taken: string[]): AlertRule {
  let n = 1;
  while (taken.includes(`${kind}-${n}`)) n++;
  const id = `${kind}-${n}`;
  if (kind === 'failure_rate') return { id, kind, threshold: 0.2, windowMinutes: 60, minRecords: 5 };
  if (kind === 'run_stuck') return { id, kind, minutes: 15 };
  return { id, kind, graceMinutes: 5 };
}

const splitList = (text: string) => text.split(/[,;\s]+/).map((s) => s.trim()).filter(Boolean);

/**
 * The flow's alert rules (a section of the flow inspector): what to watch, where to send it, the
 * conditions firing now and the last deliveries. Saved on their own (PUT /api/flows/:id/alerts),
 * apart from the flow document; the server validates and says what is wrong.
 */
export function AlertSettings({ flowId }: { flowId: string }) {
  const [view, setView] = useState<AlertView | null>(null);
  const [draft, setDraft] = useState<Settings | null>(null);
  const [recipients, setRecipients] = useState('');
  const [smtp, setSmtp] = useState<Credential[]>([]);
  const [signing, setSigning] = useState<Credential[]>([]);
  const [error, setError] = useState<{ message: string; hint?: string } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [missing, setMissing] = useState(false);

  useEffect(() => {
    let live = true;
    alertsApi
      .get(flowId)
      .then((v) => {
        if (!live) return;
        setView(v);
        setDraft(v.settings);
        setRecipients(v.settings.mail?.to.join(', ') ?? '');
      })
      .catch((err) => live && (err instanceof ApiError && err.status === 404 ? setMissing(true) : setError({ message: errorMessage(err) })));
    credentialsApi
      .list()
      .then((list) => {
        if (!live) return;
        setSmtp(list.filter((c) => c.kind === 'smtp'));
        setSigning(list.filter((c) => c.kind === 'webhook_secret'));
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [flowId]);

  if (missing) return <p className="text-xs text-slate-500" data-testid="alerts-unsaved">Save the flow to set alerts on it.</p>;
  if (!draft || !view) return <p className="text-xs text-slate-500">{error ? error.message : 'Loading…'}</p>;

  const setRule = (i: number, rule: AlertRule) => setDraft({ ...draft, rules: draft.rules.map((r, j) => (j === i ? rule : r)) });
  const mailOn = draft.mail !== null;

  const save = async () => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const mail = draft.mail ? { ...draft.mail, to: splitList(recipients) } : null;
      const saved = await alertsApi.save(flowId, { ...draft, mail });
      setView(saved);
      setDraft(saved.settings);
      setNotice('Alerts saved.');
    } catch (err) {
      setError({ message: errorMessage(err), hint: err instanceof ApiError ? err.hint : undefined });
    } finally {
      setBusy(false);
    }
  };

  const test = async () => {
    setBusy(true);
    setError(null);
    setNotice(null);
    try {
      const { deliveries } = await alertsApi.test(flowId);
      setNotice(deliveries.map((d) => `${d.channel}: ${d.ok ? 'delivered' : `failed — ${d.error?.message}`}`).join(' · '));
      setView({ ...view, deliveries: [...deliveries, ...view.deliveries] });
    } catch (err) {
      setError({ message: errorMessage(err), hint: err instanceof ApiError ? err.hint : undefined });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="space-y-3 text-[13px]" data-testid="alert-settings">
      <label className="flex items-center gap-2">
        <input type="checkbox" checked={draft.enabled} onChange={(e) => setDraft({ ...draft, enabled: e.target.checked })} data-testid="alerts-enabled" />
        <span className="font-medium text-slate-700">Send alerts for this flow</span>
      </label>

      <ul className="space-y-2">
        {draft.rules.map((rule, i) => (
          <li key={i} className="space-y-1.5 rounded-md border border-slate-200 p-2 dark:border-slate-700" data-testid={`alert-rule-${i}`}>
            <div className="flex items-center justify-between">
              <span className="font-medium text-slate-700">{KIND_LABEL[rule.kind]}</span>
              <Button size="xs" variant="ghost" onClick={() => setDraft({ ...draft, rules: draft.rules.filter((_, j) => j !== i) })} data-testid={`alert-rule-remove-${i}`}>
                Remove
              </Button>
            </div>
            <RuleFields rule={rule} onChange={(r) => setRule(i, r)} index={i} />
          </li>
        ))}
      </ul>
      <Select
        value=""
        onChange={(e) => e.target.value && setDraft({ ...draft, rules: [...draft.rules, newRule(e.target.value as AlertRule['kind'], draft.rules.map((r) => r.id))] })}
        data-testid="alert-rule-add"
      >
        <option value="">Add a rule…</option>
        {Object.entries(KIND_LABEL).map(([k, label]) => (
          <option key={k} value={k}>
            {label}
          </option>
        ))}
      </Select>

      <fieldset className="space-y-1.5">
        <label className="flex items-center gap-2">
          <input type="checkbox" checked={mailOn} onChange={(e) => setDraft({ ...draft, mail: e.target.checked ? { credential: smtp[0]?.name ?? '', to: [] } : null })} data-testid="alerts-mail-on" />
          <span className="text-slate-700">By mail</span>
        </label>
        {draft.mail && (
          <>
            <Select value={draft.mail.credential} onChange={(e) => setDraft({ ...draft, mail: { ...draft.mail!, credential: e.target.value } })} data-testid="alerts-mail-credential">
              <option value="">Mail account (SMTP credential)…</option>
              {smtp.map((c) => (
                <option key={c.id} value={c.name}>
                  {c.name}
                </option>
              ))}
            </Select>
            <TextInput placeholder="ops@example.com, oncall@example.com" value={recipients} onChange={(e) => setRecipients(e.target.value)} data-testid="alerts-mail-to" />
          </>
        )}
        <label className="flex items-center gap-2">
          <input type="checkbox" checked={draft.webhook !== null} onChange={(e) => setDraft({ ...draft, webhook: e.target.checked ? { url: '' } : null })} data-testid="alerts-webhook-on" />
          <span className="text-slate-700">By webhook (POST JSON)</span>
        </label>
        {draft.webhook && (
          <>
            <TextInput placeholder="https://hooks.example.com/…" value={draft.webhook.url} onChange={(e) => setDraft({ ...draft, webhook: { ...draft.webhook!, url: e.target.value } })} data-testid="alerts-webhook-url" />
            <Select
              value={draft.webhook.secret ?? ''}
              onChange={(e) => setDraft({ ...draft, webhook: { url: draft.webhook!.url, ...(e.target.value ? { secret: e.target.value } : {}) } })}
              data-testid="alerts-webhook-secret"
              aria-label="Signing secret"
            >
              <option value="">Not signed</option>
              {signing.map((c) => (
                <option key={c.id} value={c.name}>
                  Signed with {c.name} (Conveyor-Signature)
                </option>
              ))}
            </Select>
          </>
        )}
      </fieldset>

      <div className="flex gap-2">
        <Button size="sm" variant="primary" onClick={save} loading={busy} data-testid="alerts-save">
          Save alerts
        </Button>
        <Button size="sm" onClick={test} disabled={busy} data-testid="alerts-test">
          Send a test
        </Button>
      </div>
      {error && (
        <p role="alert" className="text-xs text-rose-700 dark:text-rose-300" data-testid="alerts-error">
          {error.message} {error.hint}
        </p>
      )}
      {notice && (
        <p className="text-xs text-emerald-700 dark:text-emerald-300" data-testid="alerts-notice">
          {notice}
        </p>
      )}
      {view.firing.length > 0 && (
        <ul className="space-y-1 text-xs text-amber-800 dark:text-amber-300" data-testid="alerts-firing">
          {view.firing.map((f) => (
            <li key={f.ruleId}>
              Firing since {new Date(f.since).toLocaleString()}: {f.title}
            </li>
          ))}
        </ul>
      )}
      {view.deliveries.length > 0 && <DeliveryLog deliveries={view.deliveries.slice(0, 5)} />}
    </div>
  );
}

function NumberInput({ label, value, onChange, testId, step = 1 }: { label: string; value: number | undefined; onChange: (v: number) => void; testId: string; step?: number }) {
  return (
    <label className="flex items-center justify-between gap-2 text-xs text-slate-600">
      <span>{label}</span>
      <TextInput type="number" step={step} className="w-24" value={value ?? ''} onChange={(e) => onChange(Number(e.target.value))} data-testid={testId} />
    </label>
  );
}

function RuleFields({ rule, onChange, index }: { rule: AlertRule; onChange: (r: AlertRule) => void; index: number }) {
  if (rule.kind === 'failure_rate') {
    return (
      <>
        <NumberInput label="Alert above (% failed)" value={Math.round(rule.threshold * 1000) / 10} onChange={(v) => onChange({ ...rule, threshold: v / 100 })} testId={`alert-rule-threshold-${index}`} step={0.1} />
        <NumberInput label="Over the last (minutes)" value={rule.windowMinutes} onChange={(v) => onChange({ ...rule, windowMinutes: v, windowRecords: undefined })} testId={`alert-rule-window-${index}`} />
        <NumberInput label="At least (records)" value={rule.minRecords} onChange={(v) => onChange({ ...rule, minRecords: v })} testId={`alert-rule-min-${index}`} />
      </>
    );
  }
  if (rule.kind === 'run_stuck') return <NumberInput label="No progress for (minutes)" value={rule.minutes} onChange={(v) => onChange({ ...rule, minutes: v })} testId={`alert-rule-minutes-${index}`} />;
  return <NumberInput label="Late by more than (minutes)" value={rule.graceMinutes} onChange={(v) => onChange({ ...rule, graceMinutes: v })} testId={`alert-rule-grace-${index}`} />;
}

function DeliveryLog({ deliveries }: { deliveries: Delivery[] }) {
  return (
    <ul className="space-y-0.5 text-xs text-slate-500" data-testid="alerts-deliveries">
      {deliveries.map((d, i) => (
        <li key={i} className={d.ok ? '' : 'text-rose-700 dark:text-rose-300'}>
          {new Date(d.at).toLocaleString()} · {d.kind} by {d.channel} to {d.target}: {d.ok ? 'delivered' : `${d.error?.code} ${d.error?.message}`}
        </li>
      ))}
    </ul>
  );
}
