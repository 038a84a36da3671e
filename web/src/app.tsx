/** Which page a path shows, and who may see it: signed-in pages send others to sign in and back. */
import type { ReactNode } from 'react';
import { DashboardLayout } from './components/layout.tsx';
import { AccountSettingsPage } from './pages/account/account-settings.tsx';
import { AcceptInvitationPage } from './pages/auth/accept-invitation.tsx';
import { ConfirmEmailPage } from './pages/auth/confirm-email.tsx';
import { ForgotPasswordPage } from './pages/auth/forgot-password.tsx';
import { ResetPasswordPage } from './pages/auth/reset-password.tsx';
import { SignInPage } from './pages/auth/sign-in.tsx';
import { SignUpPage } from './pages/auth/sign-up.tsx';
import { VerifyEmailPage } from './pages/auth/verify-email.tsx';
import { BatchDetailPage } from './pages/batches/batch-detail.tsx';
import { BatchesPage } from './pages/batches/batches-list.tsx';
import { BillingPage } from './pages/billing.tsx';
import { OptimizationPage } from './pages/optimization/optimization.tsx';
import { NotFoundPage, SessionUnavailablePage } from './pages/status-pages.tsx';
import { UsagePage } from './pages/usage.tsx';
import { matchPath, Redirect, RouterProvider, safeReturnPath, useRouter } from './router.tsx';
import { SessionProvider, useSession } from './session.tsx';

const HOME = '/batches';

/** Pages reached from emails: they work whether or not this browser is signed in. */
const LINK_PAGES: Record<string, () => ReactNode> = {
  '/verify-email': () => <VerifyEmailPage />,
  '/confirm-email': () => <ConfirmEmailPage />,
  '/reset-password': () => <ResetPasswordPage />,
  '/invite': () => <AcceptInvitationPage />,
  '/forgot-password': () => <ForgotPasswordPage />,
};

/** Pages for people who are not signed in. */
const SIGNED_OUT_PAGES: Record<string, () => ReactNode> = {
  '/sign-in': () => <SignInPage />,
  '/sign-up': () => <SignUpPage />,
};

function dashboardPage(path: string): ReactNode | null {
  if (path === '/') return <Redirect to={HOME} />;
  if (path === '/account') return <AccountSettingsPage />;
  if (path === '/batches') return <BatchesPage />;
  if (path === '/billing') return <BillingPage />;
  if (path === '/usage') return <UsagePage />;
  if (path === '/optimization') return <OptimizationPage />;
  const batch = matchPath('/batches/:id', path);
  if (batch?.['id']) return <BatchDetailPage key={batch['id']} batchId={batch['id']} />;
  return null;
}

function Routes() {
  const { state } = useSession();
  const { location } = useRouter();
  const path = location.path.length > 1 ? location.path.replace(/\/+$/, '') : location.path;

  if (state.status === 'checking') {
    return (
      <p className="checking" role="status">
        Checking session...
      </p>
    );
  }
  if (state.status === 'unavailable') return <SessionUnavailablePage error={state.error} />;

  const linkPage = LINK_PAGES[path];
  if (linkPage) return <>{linkPage()}</>;

  const signedOutPage = SIGNED_OUT_PAGES[path];
  if (signedOutPage) {
    // A new account starts on its settings, where verification and the quickstart are.
    return state.status === 'signed-in' ? <Redirect to={safeReturnPath(location.search.get('next'), path === '/sign-up' ? '/account' : HOME)} /> : <>{signedOutPage()}</>;
  }

  const page = dashboardPage(path);
  if (page === null) {
    return state.status === 'signed-in' ? (
      <DashboardLayout>
        <NotFoundPage />
      </DashboardLayout>
    ) : (
      <main id="main" className="page">
        <NotFoundPage />
      </main>
    );
  }
  if (state.status !== 'signed-in') {
    const back = `${location.path}${window.location.search}${location.hash}`;
    return <Redirect to={path === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(back)}`} />;
  }
  return <DashboardLayout>{page}</DashboardLayout>;
}

export function App() {
  return (
    <RouterProvider>
      <SessionProvider>
        <Routes />
      </SessionProvider>
    </RouterProvider>
  );
}
