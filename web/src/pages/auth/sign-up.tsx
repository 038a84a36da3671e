/** Create an account and its workspace; a verification link goes to the email. */
import { api } from '../../api/client.ts';
import type { CurrentSession } from '../../api/types.ts';
import { ErrorNotice } from '../../components/feedback.tsx';
import { Field, formValue, onSubmitForm, SubmitButton } from '../../components/forms.tsx';
import { AuthLayout } from '../../components/layout.tsx';
import { useAction, useTitle } from '../../hooks.ts';
import { Link } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { NewPasswordField } from './password-fields.tsx';

export function SignUpPage() {
  useTitle('Create your account');
  const { signedIn } = useSession();
  const signUp = useAction(async (email: string, password: string, workspaceName: string) => {
    const answer = await api.post<CurrentSession>('/v1/auth/signup', { email, password, ...(workspaceName.trim() !== '' ? { workspace_name: workspaceName.trim() } : {}) });
    signedIn(answer);
  });
  const error = signUp.error;
  return (
    <AuthLayout title="Create your account">
      <ErrorNotice error={error} />
      {error?.code === 'email_taken' && (
        <p>
          <Link to="/sign-in">Sign in instead</Link> or <Link to="/forgot-password">reset the password</Link>.
        </p>
      )}
      <form
        className="stack"
        aria-label="Create your account"
        onSubmit={onSubmitForm((form) => signUp.run(formValue(form, 'email'), formValue(form, 'password'), formValue(form, 'workspace_name')))}
      >
        <Field label="Email" name="email" type="email" autoComplete="email" required error={error?.detailFor('email')} />
        <NewPasswordField label="Password" name="password" error={error?.detailFor('password')} />
        <Field label="Workspace name (optional)" name="workspace_name" autoComplete="organization" maxLength={100} hint="Shown to teammates you invite. You can rename it later." error={error?.detailFor('workspace_name')} />
        <SubmitButton pending={signUp.pending} pendingText="Creating account…">
          Create account
        </SubmitButton>
      </form>
      <p className="auth-links">
        <span>
          Already have an account? <Link to="/sign-in">Sign in</Link>
        </span>
      </p>
    </AuthLayout>
  );
}
