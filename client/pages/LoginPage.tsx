import { useEffect, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { safeNext, useAuth } from '../api/auth.ts';
import { ApiError, errorMessage } from '../api/http.ts';
import { Button } from '../components/Button.tsx';
import { LoadingState } from '../components/Spinner.tsx';
import { TextInput } from '../components/TextInput.tsx';

function LockGlyph() {
  return (
    <svg width="22" height="22" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      <rect x="4.5" y="10.5" width="15" height="10" rx="2" />
      <path d="M8 10.5V7.5a4 4 0 0 1 8 0v3" />
    </svg>
  );
}

function Panel({ title, subtitle, children }: { title: string; subtitle: string; children: React.ReactNode }) {
  return (
    <div className="flex min-h-full items-center justify-center bg-slate-50 px-4 py-12" data-testid="login-page">
      <div className="w-full max-w-sm rounded-2xl bg-white p-8 shadow-sm ring-1 ring-slate-200">
        <div className="mb-6 flex flex-col items-center text-center">
          <div className="mb-4 flex size-12 items-center justify-center rounded-2xl bg-indigo-50 text-indigo-600 ring-1 ring-indigo-100">
            <LockGlyph />
          </div>
          <h1 className="text-lg font-semibold tracking-tight text-slate-900">{title}</h1>
          <p className="mt-1 text-sm text-slate-500">{subtitle}</p>
        </div>
        {children}
      </div>
    </div>
  );
}

function FormError({ error }: { error: unknown }) {
  if (!error) return null;
  const hint = error instanceof ApiError && error.code !== 'E_LOGIN_FAILED' ? error.hint : '';
  return (
    <div role="alert" className="rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-700 ring-1 ring-rose-200" data-testid="login-error">
      {errorMessage(error)}
      {hint && <div className="mt-0.5 text-rose-600/80">{hint}</div>}
    </div>
  );
}

/** /login: the sign-in form, or the first-run "set a password" form when no password is set yet. */
export function LoginPage() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const { status, failed, refresh, login, setup } = useAuth();
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  useEffect(() => {
    if (status?.required && status.authenticated) navigate(next, { replace: true });
  }, [status, next, navigate]);

  if (!status) {
    if (failed) {
      return (
        <Panel title="The server cannot be reached" subtitle="Check that Conveyor is running, then reload the page.">
          <Button className="w-full" onClick={() => void refresh()}>
            Try again
          </Button>
        </Panel>
      );
    }
    return <LoadingState />;
  }

  const submit = async (e: FormEvent, action: () => Promise<unknown>) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action();
      // The effect above leaves for `next` once the status says signed in.
    } catch (err) {
      setError(err);
      setPassword('');
      setConfirm('');
    } finally {
      setBusy(false);
    }
  };

  if (!status.required && status.setupNeeded) {
    const mismatch = confirm.length > 0 && confirm !== password;
    return (
      <Panel title="Set a password" subtitle="Anyone who opens the studio will need it. Until one is set, the studio only answers on this computer.">
        <form className="flex flex-col gap-3" onSubmit={(e) => submit(e, () => (password === confirm ? setup(password) : Promise.reject(new Error('The two passwords differ.'))))} data-testid="setup-form">
          <label className="flex flex-col gap-1 text-sm font-medium text-slate-700">
            New password
            <TextInput type="password" autoComplete="new-password" autoFocus minLength={8} value={password} onChange={(e) => setPassword(e.target.value)} data-testid="setup-password" />
          </label>
          <label className="flex flex-col gap-1 text-sm font-medium text-slate-700">
            Type it again
            <TextInput type="password" autoComplete="new-password" value={confirm} invalid={mismatch} onChange={(e) => setConfirm(e.target.value)} data-testid="setup-confirm" />
          </label>
          <p className="text-xs text-slate-500">At least 8 characters. You can change it later with <code className="font-mono">npx conveyor set-password</code>.</p>
          <FormError error={error} />
          <Button type="submit" variant="primary" className="w-full" loading={busy} disabled={password.length < 8 || mismatch || !confirm} data-testid="btn-setup">
            Set password and sign in
          </Button>
          <Link to="/" className="text-center text-sm text-slate-500 hover:text-slate-700">
            Not now
          </Link>
        </form>
      </Panel>
    );
  }

  if (!status.required) {
    return (
      <Panel title="No sign-in needed" subtitle="No password is set: the studio only answers on the computer it runs on.">
        <Link to={next}>
          <Button variant="primary" className="w-full">
            Open the studio
          </Button>
        </Link>
      </Panel>
    );
  }

  return (
    <Panel title="Sign in to Conveyor" subtitle="Enter the admin password of this studio.">
      <form className="flex flex-col gap-3" onSubmit={(e) => submit(e, () => login(password))} data-testid="login-form">
        <label className="flex flex-col gap-1 text-sm font-medium text-slate-700">
          Password
          <TextInput type="password" name="password" autoComplete="current-password" autoFocus required value={password} onChange={(e) => setPassword(e.target.value)} data-testid="login-password" />
        </label>
        <FormError error={error} />
        <Button type="submit" variant="primary" className="w-full" loading={busy} disabled={!password} data-testid="btn-login">
          Sign in
        </Button>
      </form>
    </Panel>
  );
}
