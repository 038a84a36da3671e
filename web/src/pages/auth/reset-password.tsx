/** Choose a new password from the link in a reset email. */
import { useState } from 'react';
import { api, ApiRequestError } from '../../api/client.ts';
import { ErrorNotice, SuccessNotice } from '../../components/feedback.tsx';
import { formValue, onSubmitForm, SubmitButton } from '../../components/forms.tsx';
import { AuthLayout } from '../../components/layout.tsx';
import { useAction, useTitle } from '../../hooks.ts';
import { Link, useRouter } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { NewPasswordField, RepeatPasswordField } from './password-fields.tsx';

export function ResetPasswordPage() {
  useTitle('Choose a new password');
  const { location } = useRouter();
  const { refresh } = useSession();
  const token = location.search.get('token') ?? '';
  const [done, setDone] = useState(false);
  const reset = useAction(async (password: string, confirmation: string) => {
    if (password !== confirmation) throw new ApiRequestError(400, 'passwords_differ', 'The two passwords differ: type the same new password twice.');
    await api.post<unknown>('/v1/auth/password/reset', { token, password });
    setDone(true);
    // A reset ends every session; this browser's too, if it had one.
    await refresh();
  });
  if (token === '') {
    return (
      <AuthLayout title="Choose a new password">
        <p>This link has no reset token. Open the link from the email again, or ask for a new one.</p>
        <p className="auth-links">
          <Link to="/forgot-password">Send a new reset link</Link>
        </p>
      </AuthLayout>
    );
  }
  return (
    <AuthLayout title="Choose a new password">
      <ErrorNotice error={reset.error} />
      {done ? (
        <>
          <SuccessNotice>Your password was changed. Every other session was signed out.</SuccessNotice>
          <p className="auth-links">
            <Link to="/sign-in">Sign in with the new password</Link>
          </p>
        </>
      ) : (
        <form className="stack" aria-label="Choose a new password" onSubmit={onSubmitForm((form) => reset.run(formValue(form, 'password'), formValue(form, 'confirmation')))}>
          <NewPasswordField label="New password" name="password" error={reset.error?.detailFor('password')} />
          <RepeatPasswordField />
          <SubmitButton pending={reset.pending} pendingText="Saving…">
            Set new password
          </SubmitButton>
        </form>
      )}
      {reset.error && reset.error.code !== 'passwords_differ' && reset.error.details.length === 0 && (
        <p className="auth-links">
          <Link to="/forgot-password">Send a new reset link</Link>
        </p>
      )}
    </AuthLayout>
  );
}
