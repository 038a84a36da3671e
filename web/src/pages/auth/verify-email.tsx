/** Opens from the verification email: confirms the address, or offers a new link. */
import { useCallback, useState } from 'react';
import { api } from '../../api/client.ts';
import { ErrorNotice, Loading, SuccessNotice } from '../../components/feedback.tsx';
import { AuthLayout } from '../../components/layout.tsx';
import { useAction, useTitle } from '../../hooks.ts';
import { Link, useRouter } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { useOnceWithToken } from './token-link.ts';

export function VerifyEmailPage() {
  useTitle('Verify email');
  const { location } = useRouter();
  const { state, refresh } = useSession();
  const token = location.search.get('token') ?? '';
  const [verified, setVerified] = useState(false);
  const verify = useAction(async (value: string) => {
    await api.post<unknown>('/v1/auth/email/verify', { token: value });
    setVerified(true);
    await refresh();
  });
  const [resent, setResent] = useState(false);
  const resend = useAction(async () => {
    await api.post<void>('/v1/auth/email/verification');
    setResent(true);
  });
  const run = verify.run;
  useOnceWithToken(token, useCallback((value: string) => void run(value), [run]));
  const signedIn = state.status === 'signed-in';
  return (
    <AuthLayout title="Verify email">
      {token === '' && <p>This link has no verification token. Open the link from the email again.</p>}
      {verify.pending && <Loading>Verifying your email…</Loading>}
      <SuccessNotice>{verified && 'Your email is verified. Account recovery emails will reach you.'}</SuccessNotice>
      <ErrorNotice error={verify.error} />
      {(verify.error || token === '') && signedIn && (
        <div className="stack">
          <ErrorNotice error={resend.error} />
          <SuccessNotice>{resent && 'A new verification link is on its way.'}</SuccessNotice>
          <button type="button" className="button" onClick={() => void resend.run()} disabled={resend.pending}>
            Send a new verification link
          </button>
        </div>
      )}
      <p className="auth-links">{signedIn ? <Link to="/account">Go to account settings</Link> : <Link to="/sign-in">Sign in</Link>}</p>
    </AuthLayout>
  );
}
