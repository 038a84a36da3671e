/** The page frames: the signed-in dashboard (header, navigation, workspace switch, sign out) and the sign-in pages. */
import { useEffect, useRef, type ReactNode } from 'react';
import { api } from '../api/client.ts';
import type { CurrentSession } from '../api/types.ts';
import { useAction } from '../hooks.ts';
import { Link, useRouter } from '../router.tsx';
import { useCurrentSession, useSession } from '../session.tsx';
import { ErrorNotice } from './feedback.tsx';

const NAVIGATION = [
  { to: '/batches', label: 'Batches' },
  { to: '/usage', label: 'Usage' },
  { to: '/optimization', label: 'Optimization' },
  { to: '/billing', label: 'Billing' },
  { to: '/account', label: 'Account settings' },
];

function SkipLink() {
  return (
    <a className="skip-link" href="#main">
      Skip to content
    </a>
  );
}

/** Moves focus to the main region when the page changes, so keyboard and screen reader users start there. */
function useFocusOnNavigation() {
  const main = useRef<HTMLElement>(null);
  const { location } = useRouter();
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [location.path]);
  return main;
}

function WorkspaceSwitcher() {
  const current = useCurrentSession();
  const { signedIn } = useSession();
  const switching = useAction(async (orgId: string) => {
    signedIn(await api.post<CurrentSession>('/v1/auth/session/org', { org_id: orgId }));
  });
  if (current.orgs.length < 2) return <span className="workspace-name">{current.org.display_name}</span>;
  return (
    <span className="workspace-switch">
      <label htmlFor="workspace-switch">Workspace</label>
      <select id="workspace-switch" value={current.org.id} disabled={switching.pending} onChange={(event) => void switching.run(event.target.value)}>
        {current.orgs.map((org) => (
          <option key={org.id} value={org.id}>
            {org.display_name} ({org.role})
          </option>
        ))}
      </select>
      <ErrorNotice error={switching.error} />
    </span>
  );
}

export function DashboardLayout({ children }: { children: ReactNode }) {
  const current = useCurrentSession();
  const { signOut } = useSession();
  const { location, navigate } = useRouter();
  const main = useFocusOnNavigation();
  const signingOut = useAction(async () => {
    await signOut();
    navigate('/sign-in', { replace: true });
  });
  return (
    <>
      <SkipLink />
      <header className="topbar">
        <Link to="/batches" className="brand">
          BatchRouter
        </Link>
        <nav aria-label="Dashboard">
          <ul>
            {NAVIGATION.map((item) => (
              <li key={item.to}>
                <Link to={item.to} aria-current={location.path === item.to || location.path.startsWith(`${item.to}/`) ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="topbar-user">
          <WorkspaceSwitcher />
          <span className="user-email">{current.user.email}</span>
          <button type="button" className="button small" onClick={() => void signingOut.run()} disabled={signingOut.pending}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1} ref={main} className="page">
        <ErrorNotice error={signingOut.error} />
        {children}
      </main>
      <footer className="footer">
        <a href="/docs">API reference</a> · <a href="/docs/errors">Error codes</a>
      </footer>
    </>
  );
}

/** The frame of the pages a signed-out person sees: sign in, sign up, password and email links. */
export function AuthLayout({ title, children }: { title: string; children: ReactNode }) {
  const main = useFocusOnNavigation();
  return (
    <>
      <SkipLink />
      <main id="main" tabIndex={-1} ref={main} className="auth-page">
        <div className="auth-card">
          <p className="brand">BatchRouter</p>
          <h1>{title}</h1>
          {children}
        </div>
      </main>
    </>
  );
}
