/** Profile and sign-in: change the sign-in email (confirmed from the new address) and rename the workspace. */
import { useState } from 'react';
import { api } from '../../api/client.ts';
import { Section } from '../../components/display.tsx';
import { ErrorNotice, SuccessNotice } from '../../components/feedback.tsx';
import { Field, formValue, onSubmitForm, SubmitButton } from '../../components/forms.tsx';
import { capitalize } from '../../format.ts';
import { useAction } from '../../hooks.ts';
import { canManageWorkspace, useCurrentSession } from '../../session.tsx';

export function ProfileSection() {
  const current = useCurrentSession();
  const canManage = canManageWorkspace(current);
  const [emailSent, setEmailSent] = useState<string | null>(null);
  const [renamed, setRenamed] = useState<string | null>(null);

  const changeEmail = useAction(async (form: HTMLFormElement) => {
    const newEmail = formValue(form, 'new_email').trim();
    await api.post<void>('/v1/auth/email/change', { new_email: newEmail, password: formValue(form, 'password') });
    setEmailSent(newEmail);
    form.reset();
  });
  const rename = useAction(async (form: HTMLFormElement) => {
    const displayName = formValue(form, 'display_name').trim();
    await api.patch<unknown>('/v1/auth/account', { display_name: displayName });
    setRenamed(displayName);
    await current.refresh();
  });

  return (
    <Section
      id="profile"
      title="Profile and sign-in"
      description="Keep the account identity, sign-in email, and workspace label current for billing, support, and account recovery."
    >
      <div className="columns">
        <form className="stack" aria-labelledby="change-email-title" onSubmit={onSubmitForm(changeEmail.run)}>
          <h3 id="change-email-title">Sign-in email</h3>
          <p className="hint">
            Currently <strong>{current.user.email}</strong>. We will send a confirmation link to the new address before switching sign-in.
          </p>
          <ErrorNotice error={changeEmail.error} />
          <SuccessNotice>{emailSent && `We sent a confirmation link to ${emailSent}. Sign-in switches once it is opened.`}</SuccessNotice>
          <Field label="New email" name="new_email" type="email" autoComplete="email" required error={changeEmail.error?.detailFor('new_email')} />
          <Field label="Current password" name="password" type="password" autoComplete="current-password" required error={changeEmail.error?.detailFor('password')} />
          <SubmitButton pending={changeEmail.pending} pendingText="Sending…">
            Send confirmation link
          </SubmitButton>
        </form>
        {canManage && (
          <form className="stack" aria-labelledby="rename-title" onSubmit={onSubmitForm(rename.run)}>
            <h3 id="rename-title">Rename the workspace</h3>
            <ErrorNotice error={rename.error} />
            <SuccessNotice>{renamed && `Workspace renamed to ${renamed}.`}</SuccessNotice>
            <Field key={current.org.display_name} label="Workspace name" name="display_name" required maxLength={100} defaultValue={current.org.display_name} error={rename.error?.detailFor('display_name')} />
            <SubmitButton pending={rename.pending} pendingText="Saving…">
              Rename workspace
            </SubmitButton>
          </form>
        )}
      </div>
      <p className="identity-line" data-testid="identity-line">
        Role: {capitalize(current.org.role)} | User id: {current.user.id || 'Unavailable'} | Org id: {current.org.id || 'Unavailable'}
        {!canManage && ' | Workspace owners and admins can rename the workspace.'}
      </p>
    </Section>
  );
}
