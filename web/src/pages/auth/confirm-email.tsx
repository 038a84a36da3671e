/** Opens from the link sent to a new address: switches the sign-in email to it. */
import { useCallback, useState } from 'react';
import { api } from '../../api/client.ts';
import { ErrorNotice, Loading, SuccessNotice } from '../../components/feedback.tsx';
import { AuthLayout } from '../../components/layout.tsx';
import { useAction, useTitle } from '../../hooks.ts';
import { Link, useRouter } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { useOnceWithToken } from './token-link.ts';

export function ConfirmEmailPage() {
  useTitle('Confirm new email');
  const { location } = useRouter();
  const { state, refresh } = useSession();
  const token = location.search.get('token') ?? '';
  const [confirmed, setConfirmed] = useState(false);
  const confirm = useAction(async (value: string) => {
    await api.post<unknown>('/v1/auth/email/change/confirm', { token: value });
    setConfirmed(true);
    await refresh();
  });
  const run = confirm.run;
  useOnceWithToken(token, useCallback((value: string) => void run(value), [run]));
  return (
    <AuthLayout title="Confirm new email">
      {token === '' && <p>This link has no confirmation token. Open the link from the email again.</p>}
      {confirm.pending && <Loading>Confirming your new email…</Loading>}
      <SuccessNotice>{confirmed && 'Your sign-in email is changed. Use the new address the next time you sign in.'}</SuccessNotice>
      <ErrorNotice error={confirm.error} />
      <p className="auth-links">{state.status === 'signed-in' ? <Link to="/account">Go to account settings</Link> : <Link to="/sign-in">Sign in</Link>}</p>
    </AuthLayout>
  );
}
