/** Sign in with email and password. */
import { api, ApiRequestError } from '../../api/client.ts';
import type { CurrentSession } from '../../api/types.ts';
import { ErrorNotice } from '../../components/feedback.tsx';
import { Field, formValue, onSubmitForm, SubmitButton } from '../../components/forms.tsx';
import { AuthLayout } from '../../components/layout.tsx';
import { useAction, useTitle } from '../../hooks.ts';
import { Link, useRouter } from '../../router.tsx';
import { useSession } from '../../session.tsx';

function signInMessage(error: ApiRequestError | undefined): ApiRequestError | undefined {
  if (error?.code === 'rate_limited' && error.retryAfterSeconds !== null) {
    const minutes = Math.ceil(error.retryAfterSeconds / 60);
    return new ApiRequestError(error.status, error.code, `Too many sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, { requestId: error.requestId });
  }
  return error;
}

export function SignInPage() {
  useTitle('Sign in');
  const { signedIn } = useSession();
  const { location } = useRouter();
  const next = location.search.get('next');
  const signIn = useAction(async (email: string, password: string) => {
    signedIn(await api.post<CurrentSession>('/v1/auth/signin', { email, password }));
  });
  return (
    <AuthLayout title="Sign in">
      <ErrorNotice error={signInMessage(signIn.error)} />
      <form
        className="stack"
        onSubmit={onSubmitForm((form) => signIn.run(formValue(form, 'email'), formValue(form, 'password')))}
        aria-label="Sign in"
      >
        <Field label="Email" name="email" type="email" autoComplete="username" required defaultValue={location.search.get('email') ?? ''} />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required />
        <SubmitButton pending={signIn.pending} pendingText="Signing in…">
          Sign in
        </SubmitButton>
      </form>
      <p className="auth-links">
        <Link to="/forgot-password">Forgot password?</Link>
        <span>
          New here? <Link to={next ? `/sign-up?next=${encodeURIComponent(next)}` : '/sign-up'}>Create an account</Link>
        </span>
      </p>
    </AuthLayout>
  );
}
