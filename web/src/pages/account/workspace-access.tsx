/** Workspace access: members and their roles, invitations by email; owners and admins manage, others read. */
import { useState } from 'react';
import { api } from '../../api/client.ts';
import type { Invitation, List, Member, Role } from '../../api/types.ts';
import { ConfirmButton } from '../../components/buttons.tsx';
import { DataTable } from '../../components/data-table.tsx';
import { Section } from '../../components/display.tsx';
import { EmptyState, ErrorNotice, Loading, SuccessNotice } from '../../components/feedback.tsx';
import { Field, formValue, onSubmitForm, SelectField, SubmitButton } from '../../components/forms.tsx';
import { formatDateTime } from '../../format.ts';
import { useAction, useResource, type Resource } from '../../hooks.ts';
import { canManageWorkspace, useCurrentSession } from '../../session.tsx';
import { grantableRoles, ROLE_LABELS } from './roles.ts';

const INVITATIONS = '/v1/auth/account/invitations';

export function WorkspaceAccessSection({ members }: { members: Resource<List<Member>> }) {
  const current = useCurrentSession();
  const canManage = canManageWorkspace(current);
  const invitations = useResource<List<Invitation>>(canManage ? INVITATIONS : null);
  const [notice, setNotice] = useState<string | null>(null);
  const roles = grantableRoles(current.org.role);

  const act = useAction(async (describe: string, perform: () => Promise<unknown>) => {
    setNotice(null);
    await perform();
    await Promise.all([members.reload(), canManage ? invitations.reload() : Promise.resolve()]);
    // Changing one's own role changes what this session may do.
    await current.refresh();
    setNotice(describe);
  });
  const invite = (form: HTMLFormElement) => {
    const email = formValue(form, 'email').trim();
    const role = formValue(form, 'role');
    return act.run(`Invitation sent to ${email}.`, async () => {
      await api.post<Invitation>(INVITATIONS, { email, role });
      form.reset();
    });
  };
  const changeRole = (member: Member, form: HTMLFormElement) => {
    const role = formValue(form, 'role') as Role;
    return act.run(`${member.email} is now ${ROLE_LABELS[role].toLowerCase()}.`, () => api.patch(`/v1/auth/account/members/${encodeURIComponent(member.user_id)}`, { role }));
  };

  const list = members.data?.data ?? [];
  return (
    <Section
      id="workspace-access"
      title="Workspace access"
      description="Invite teammates, assign org roles, and keep customer access scoped to the right workspace responsibilities."
    >
      {!canManage && <p className="notice info">Workspace owners and admins can invite new members and manage org roles.</p>}
      <ErrorNotice error={act.error ?? members.error} />
      <SuccessNotice>{notice}</SuccessNotice>
      {canManage && (
        <form className="inline-form" aria-label="Invite a teammate" onSubmit={onSubmitForm(invite)}>
          <Field label="Teammate email" name="email" type="email" autoComplete="off" required error={act.error?.detailFor('email')} />
          <SelectField label="Role" name="role" options={roles} defaultValue="member" />
          <SubmitButton pending={act.pending}>Send invitation</SubmitButton>
        </form>
      )}
      {members.loading && !members.data && <Loading>Loading members…</Loading>}
      {members.data && list.length === 0 && (
        <EmptyState title="No workspace members found.">Invite teammates to create real workspace membership instead of relying on automatic account attachment.</EmptyState>
      )}
      {list.length > 0 && (
        <DataTable caption="Workspace members" columns={['Member', 'Role', 'Joined', 'Email verified', canManage && 'Actions']}>
          {list.map((member) => {
            const you = member.user_id === current.user.id;
            return (
              <tr key={member.user_id} data-testid={`member-${member.email}`}>
                <th scope="row">
                  {member.email}
                  {you && <span className="tag">you</span>}
                </th>
                <td>
                  {canManage ? (
                    <form className="row-form" onSubmit={onSubmitForm((form) => changeRole(member, form))}>
                      <SelectField label={`Role of ${member.email}`} hiddenLabel name="role" options={roles.some((role) => role.value === member.role) ? roles : [{ value: member.role, label: ROLE_LABELS[member.role] }, ...roles]} defaultValue={member.role} />
                      <button type="submit" className="button small" disabled={act.pending} aria-label={`Update role of ${member.email}`}>
                        Update role
                      </button>
                    </form>
                  ) : (
                    ROLE_LABELS[member.role]
                  )}
                </td>
                <td>{formatDateTime(member.joined_at)}</td>
                <td>{formatDateTime(member.email_verified_at, 'Not verified')}</td>
                {canManage && (
                  <td>
                    <ConfirmButton
                      accessibleLabel={`Remove ${member.email}`}
                      question={you ? 'Leave this workspace?' : `Remove ${member.email}?`}
                      confirmText={you ? 'Leave' : 'Remove'}
                      disabled={act.pending}
                      onConfirm={() => act.run(`${member.email} was removed from the workspace.`, () => api.delete(`/v1/auth/account/members/${encodeURIComponent(member.user_id)}`))}
                    >
                      Remove
                    </ConfirmButton>
                  </td>
                )}
              </tr>
            );
          })}
        </DataTable>
      )}
      {canManage && <PendingInvitations invitations={invitations} onRevoke={(invitation) => act.run(`Invitation to ${invitation.email} revoked.`, () => api.post(`${INVITATIONS}/${encodeURIComponent(invitation.id)}/revoke`))} />}
    </Section>
  );
}

function PendingInvitations({ invitations, onRevoke }: { invitations: Resource<List<Invitation>>; onRevoke(invitation: Invitation): void }) {
  const pending = invitations.data?.data ?? [];
  return (
    <>
      <h3>Pending invitations</h3>
      <ErrorNotice error={invitations.error} />
      {invitations.data && pending.length === 0 && <p className="hint">No invitations are waiting for an answer.</p>}
      {pending.length > 0 && (
        <ul className="plain-list">
          {pending.map((invitation) => (
            <li key={invitation.id} className="list-row" data-testid={`invitation-${invitation.email}`}>
              <span>
                <strong>{invitation.email}</strong> as {ROLE_LABELS[invitation.role]} · sent {formatDateTime(invitation.created_at)} · expires {formatDateTime(invitation.expires_at)}
              </span>
              <ConfirmButton accessibleLabel={`Revoke the invitation to ${invitation.email}`} question={`Revoke the invitation to ${invitation.email}?`} confirmText="Revoke" onConfirm={() => onRevoke(invitation)}>
                Revoke
              </ConfirmButton>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
