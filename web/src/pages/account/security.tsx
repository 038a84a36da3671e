/** Security and access: verification and sign-in dates, change password, links to recovery, billing and batches. */
import { useState } from 'react';
import { api, ApiRequestError, setCsrfToken } from '../../api/client.ts';
import { Section } from '../../components/display.tsx';
import { ErrorNotice, SuccessNotice } from '../../components/feedback.tsx';
import { Field, formValue, onSubmitForm, SubmitButton } from '../../components/forms.tsx';
import { formatDateTime } from '../../format.ts';
import { useAction } from '../../hooks.ts';
import { Link } from '../../router.tsx';
import { useCurrentSession } from '../../session.tsx';
import { NewPasswordField, RepeatPasswordField } from '../auth/password-fields.tsx';

export function SecuritySection({ onPasswordChanged }: { onPasswordChanged(): void }) {
  const current = useCurrentSession();
  const [changed, setChanged] = useState<string | null>(null);
  const changePassword = useAction(async (form: HTMLFormElement) => {
    const newPassword = formValue(form, 'new_password');
    if (newPassword !== formValue(form, 'confirmation')) throw new ApiRequestError(400, 'passwords_differ', 'The two new passwords differ: type the same new password twice.');
    const answer = await api.post<{ ended_sessions: number; csrf_token: string }>('/v1/auth/password/change', { current_password: formValue(form, 'current_password'), new_password: newPassword });
    const ended = answer.ended_sessions;
    setChanged(`Password changed. ${ended === 0 ? 'No other session was signed in.' : `${ended} other session${ended === 1 ? ' was' : 's were'} signed out.`}`);
    form.reset();
    // This session got a new token (and CSRF token); every other one ended.
    setCsrfToken(answer.csrf_token);
    await current.refresh();
    onPasswordChanged();
  });
  return (
    <Section id="security" title="Security and access" description="Handle verification, rotate your password, and jump to the areas most tied to account recovery.">
      <dl className="details">
        <dt>Verified at</dt>
        <dd data-testid="verified-at">{formatDateTime(current.user.email_verified_at, 'Not verified yet')}</dd>
        <dt>Last login</dt>
        <dd>{formatDateTime(current.user.last_login_at)}</dd>
        <dt>Member since</dt>
        <dd>{formatDateTime(current.user.created_at)}</dd>
      </dl>
      <form className="stack" aria-labelledby="change-password-title" onSubmit={onSubmitForm(changePassword.run)}>
        <h3 id="change-password-title">Change password</h3>
        <ErrorNotice error={changePassword.error} />
        <SuccessNotice>{changed}</SuccessNotice>
        <Field label="Current password" name="current_password" type="password" autoComplete="current-password" required error={changePassword.error?.detailFor('current_password')} />
        <NewPasswordField label="New password" name="new_password" error={changePassword.error?.detailFor('new_password')} />
        <RepeatPasswordField />
        <SubmitButton pending={changePassword.pending} pendingText="Changing…">
          Change password
        </SubmitButton>
      </form>
      <ul className="link-row">
        <li>
          <Link to="/forgot-password">Forgot password flow</Link>
        </li>
        <li>
          <Link to="/billing">Open billing</Link>
        </li>
        <li>
          <Link to="/batches">View batches</Link>
        </li>
      </ul>
    </Section>
  );
}
