/** Ask for a password-reset link; the answer never says whether the email has an account. */
import { useState } from 'react';
import { api } from '../../api/client.ts';
import { ErrorNotice, SuccessNotice } from '../../components/feedback.tsx';
import { Field, formValue, onSubmitForm, SubmitButton } from '../../components/forms.tsx';
import { AuthLayout } from '../../components/layout.tsx';
import { useAction, useTitle } from '../../hooks.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session.tsx';

export function ForgotPasswordPage() {
  useTitle('Forgot password');
  const { state } = useSession();
  const [sentTo, setSentTo] = useState<string | null>(null);
  const request = useAction(async (email: string) => {
    await api.post<void>('/v1/auth/password/forgot', { email });
    setSentTo(email);
  });
  const knownEmail = state.status === 'signed-in' ? state.current.user.email : '';
  return (
    <AuthLayout title="Forgot password">
      <p>Enter the email you sign in with. We will send a link to choose a new password.</p>
      <ErrorNotice error={request.error} />
      <SuccessNotice>{sentTo && `If an account exists for ${sentTo}, a reset link is on its way. It works once and expires soon.`}</SuccessNotice>
      <form className="stack" aria-label="Request a password reset link" onSubmit={onSubmitForm((form) => request.run(formValue(form, 'email')))}>
        <Field label="Email" name="email" type="email" autoComplete="email" required defaultValue={knownEmail} />
        <SubmitButton pending={request.pending} pendingText="Sending…">
          Send reset link
        </SubmitButton>
      </form>
      <p className="auth-links">
        {state.status === 'signed-in' ? <Link to="/account">Back to account settings</Link> : <Link to="/sign-in">Back to sign in</Link>}
      </p>
    </AuthLayout>
  );
}
