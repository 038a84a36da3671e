/**
 * Opens from an invitation email. A new person chooses a password; someone with an account
 * confirms with theirs (or accepts while signed in as the invited email).
 */
import { api } from '../../api/client.ts';
import type { CurrentSession, InvitationPreview } from '../../api/types.ts';
import { ErrorNotice, Loading } from '../../components/feedback.tsx';
import { Field, formValue, onSubmitForm, SubmitButton } from '../../components/forms.tsx';
import { AuthLayout } from '../../components/layout.tsx';
import { formatDateTime } from '../../format.ts';
import { useAction, useResource, useTitle } from '../../hooks.ts';
import { Link, useRouter } from '../../router.tsx';
import { useSession } from '../../session.tsx';
import { NewPasswordField } from './password-fields.tsx';

export function AcceptInvitationPage() {
  useTitle('Join a workspace');
  const { location, navigate } = useRouter();
  const { state, signedIn, signOut } = useSession();
  const token = location.search.get('token') ?? '';
  const preview = useResource<InvitationPreview>(token === '' ? null : `/v1/auth/invitations/${encodeURIComponent(token)}`);
  const accept = useAction(async (password: string | null) => {
    const answer = await api.post<CurrentSession>('/v1/auth/invitations/accept', { token, ...(password !== null ? { password } : {}) });
    // The session now acts in the workspace just joined (a new person is signed in by this answer).
    signedIn(answer);
    navigate('/account', { replace: true });
  });

  if (token === '') {
    return (
      <AuthLayout title="Join a workspace">
        <p>This link has no invitation token. Open the link from the invitation email again.</p>
      </AuthLayout>
    );
  }
  if (preview.loading && !preview.data) {
    return (
      <AuthLayout title="Join a workspace">
        <Loading>Loading the invitation…</Loading>
      </AuthLayout>
    );
  }
  if (!preview.data) {
    return (
      <AuthLayout title="Join a workspace">
        <ErrorNotice error={preview.error} />
        <p>Ask the workspace owner or admin who invited you for a new invitation.</p>
      </AuthLayout>
    );
  }

  const invitation = preview.data;
  const signedInAs = state.status === 'signed-in' ? state.current.user.email : null;
  const sameEmail = signedInAs !== null && signedInAs.toLowerCase() === invitation.email.toLowerCase();
  return (
    <AuthLayout title={`Join ${invitation.org.display_name}`}>
      <p>
        <strong>{invitation.email}</strong> is invited to the workspace <strong>{invitation.org.display_name}</strong> as <strong>{invitation.role}</strong>. The
        invitation expires {formatDateTime(invitation.expires_at)}.
      </p>
      <ErrorNotice error={accept.error} />
      {sameEmail ? (
        <button type="button" className="button primary" onClick={() => void accept.run(null)} disabled={accept.pending}>
          Accept invitation
        </button>
      ) : signedInAs !== null ? (
        <div className="stack">
          <p>
            You are signed in as {signedInAs}. Sign out, then open this link again to accept as {invitation.email}.
          </p>
          <button type="button" className="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      ) : invitation.account_exists ? (
        <div className="stack">
          <p>An account already uses {invitation.email}. Sign in to it, and you come back here to accept.</p>
          <Link className="button primary" to={`/sign-in?next=${encodeURIComponent(`/invite?token=${encodeURIComponent(token)}`)}&email=${encodeURIComponent(invitation.email)}`}>
            Sign in to accept
          </Link>
        </div>
      ) : (
        <form className="stack" aria-label="Accept the invitation" onSubmit={onSubmitForm((form) => accept.run(formValue(form, 'password')))}>
          <Field label="Email" name="email" type="email" autoComplete="username" value={invitation.email} readOnly />
          <NewPasswordField label="Choose a password" name="password" error={accept.error?.detailFor('password')} />
          <SubmitButton pending={accept.pending} pendingText="Joining…">
            Create account and join
          </SubmitButton>
        </form>
      )}
    </AuthLayout>
  );
}
