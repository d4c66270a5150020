import { useEffect, useState } from 'react';
import { NavLink, Outlet, Link, Navigate, useLocation, useNavigate } from 'react-router';
import { useAuth } from '../api/auth.ts';
import { LoadingState } from '../components/Spinner.tsx';
import { Toaster } from '../components/Toaster.tsx';
import { FlowIcon, HistoryIcon } from '../components/icons.tsx';
import { DatabaseIcon, MailOffIcon } from './nav-icons.tsx';
import { cn } from '../lib/cn.ts';
import { InboxIcon } from '../review/icons.tsx';
import { useReviewCount } from '../review/review-count-store.ts';
import { KeyIcon } from '../credentials/KeyIcon.tsx';
import { PulseIcon } from '../monitoring/PulseIcon.tsx';

function Logo() {
  return (
    <Link to="/" className="flex items-center gap-2.5" data-testid="brand">
      <span className="flex size-7 items-center justify-center rounded-lg bg-gradient-to-br from-indigo-500 to-violet-600 shadow-sm ring-1 ring-white/20">
        <svg width="16" height="16" viewBox="0 0 32 32" fill="none" aria-hidden="true">
          <path d="M6 11h11a4.5 4.5 0 0 1 0 9h-2M26 21H15a4.5 4.5 0 0 1 0-9h2" stroke="white" strokeWidth="3" strokeLinecap="round" />
        </svg>
      </span>
      <span className="text-[15px] font-semibold tracking-tight text-white">Conveyor</span>
    </Link>
  );
}

function NavItem({ to, icon, children, end }: { to: string; icon: React.ReactNode; children: React.ReactNode; end?: boolean }) {
  return (
    <NavLink
      to={to}
      end={end}
      className={({ isActive }) =>
        cn(
          'flex items-center gap-1.5 rounded-md px-2.5 py-1.5 text-sm font-medium transition-colors',
          isActive ? 'bg-white/10 text-white' : 'text-slate-300 hover:bg-white/5 hover:text-white',
        )
      }
    >
      {icon}
      {children}
    </NavLink>
  );
}

/** How many records wait for review: refreshed on every page change and every 30 s. */
function ReviewBadge() {
  const total = useReviewCount((s) => s.total);
  const { pathname } = useLocation();
  useEffect(() => {
    void useReviewCount.getState().refresh();
  }, [pathname]);
  useEffect(() => {
    const t = setInterval(() => void useReviewCount.getState().refresh(), 30_000);
    return () => clearInterval(t);
  }, []);
  if (!total) return null;
  return (
    <span className="ml-0.5 min-w-5 rounded-full bg-amber-400 px-1.5 text-center text-[11px] leading-[18px] font-semibold text-slate-900 tabular-nums" data-testid="nav-review-count" aria-label={`${total} to review`}>
      {total > 999 ? '999+' : total}
    </span>
  );
}

/** Shown when login is on: ends the session and goes back to the sign-in page. */
function SignOutButton() {
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      disabled={busy}
      onClick={async () => {
        setBusy(true);
        await useAuth.getState().logout().catch(() => undefined);
        navigate('/login', { replace: true });
      }}
      className="rounded-md px-2.5 py-1.5 text-sm font-medium text-slate-300 transition-colors hover:bg-white/5 hover:text-white disabled:opacity-50"
      data-testid="btn-sign-out"
    >
      Sign out
    </button>
  );
}

export function AppShell() {
  const status = useAuth((s) => s.status);
  const failed = useAuth((s) => s.failed);
  const { pathname, search } = useLocation();
  useEffect(() => {
    void useAuth.getState().refresh();
  }, []);
  // Nothing is shown (and no API call made) until we know whether a sign-in is needed.
  if (!status && !failed) return <LoadingState />;
  if (status?.required && !status.authenticated) return <Navigate to={`/login?next=${encodeURIComponent(pathname + search)}`} replace />;
  return (
    <div className="flex h-full flex-col">
      <header className="flex h-12 shrink-0 items-center gap-6 bg-slate-900 px-4 shadow-sm" data-testid="topbar">
        <Logo />
        <nav className="flex items-center gap-1" aria-label="Main">
          <NavItem to="/" end icon={<FlowIcon size={15} />}>
            <span data-testid="nav-flows">Flows</span>
          </NavItem>
          <NavItem to="/runs" icon={<HistoryIcon size={15} />}>
            <span data-testid="nav-runs">Runs</span>
          </NavItem>
          <NavItem to="/review" icon={<InboxIcon size={15} />}>
            <span data-testid="nav-review">Review</span>
            <ReviewBadge />
          </NavItem>
          <NavItem to="/credentials" icon={<KeyIcon size={15} />}>
            <span data-testid="nav-credentials">Credentials</span>
          </NavItem>
          <NavItem to="/storage" icon={<DatabaseIcon size={15} />}>
            <span data-testid="nav-storage">Storage</span>
          </NavItem>
          <NavItem to="/suppression" icon={<MailOffIcon size={15} />}>
            <span data-testid="nav-suppression">Unsubscribes</span>
          </NavItem>
          <NavItem to="/monitoring" icon={<PulseIcon size={15} />}>
            <span data-testid="nav-monitoring">Monitoring</span>
          </NavItem>
        </nav>
        <div className="ml-auto text-xs text-slate-500">Automation studio</div>
        {status?.required && status.authenticated && <SignOutButton />}
      </header>
      <main className="flex min-h-0 flex-1 flex-col" data-surface="page">
        <Outlet />
      </main>
      <Toaster />
    </div>
  );
}
