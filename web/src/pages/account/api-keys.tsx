/** API keys: owners and admins create role-scoped keys (the secret shown once) and revoke them; members read. */
import { useState } from 'react';
import { api } from '../../api/client.ts';
import type { ApiKey, CreatedApiKey, List } from '../../api/types.ts';
import { ConfirmButton } from '../../components/buttons.tsx';
import { DataTable } from '../../components/data-table.tsx';
import { OneTimeSecret, Section, StatusBadge } from '../../components/display.tsx';
import { ErrorNotice, Loading, SuccessNotice } from '../../components/feedback.tsx';
import { Field, formValue, onSubmitForm, SelectField, SubmitButton } from '../../components/forms.tsx';
import { formatDateTime } from '../../format.ts';
import { useAction, type Resource } from '../../hooks.ts';
import { canManageWorkspace, useCurrentSession } from '../../session.tsx';
import { grantableRoles, ROLE_LABELS } from './roles.ts';

export const API_KEYS_PATH = '/v1/auth/account/api-keys';
const PATH = API_KEYS_PATH;

function keyStatus(key: ApiKey): string {
  if (key.revoked_at) return 'revoked';
  if (key.expires_at && new Date(key.expires_at).getTime() <= Date.now()) return 'expired';
  return 'active';
}

export function ApiKeysSection({ keys }: { keys: Resource<List<ApiKey>> }) {
  const current = useCurrentSession();
  const canManage = canManageWorkspace(current);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const create = useAction(async (form: HTMLFormElement) => {
    const name = formValue(form, 'name').trim();
    const expiresOn = formValue(form, 'expires_on');
    const answer = await api.post<CreatedApiKey>(PATH, {
      role: formValue(form, 'role'),
      ...(name !== '' ? { name } : {}),
      ...(expiresOn !== '' ? { expires_at: `${expiresOn}T00:00:00Z` } : {}),
    });
    setCreated(answer);
    setNotice(null);
    form.reset();
    await keys.reload();
  });
  const revoke = useAction(async (key: ApiKey) => {
    await api.post<ApiKey>(`${PATH}/${encodeURIComponent(key.api_key_id)}/revoke`);
    await keys.reload();
    setNotice(`Key ${key.name ?? key.display} revoked: it stops working from its next request.`);
    if (created?.api_key_id === key.api_key_id) setCreated(null);
  });

  const list = keys.data?.data ?? [];
  return (
    <Section id="api-keys" title="API keys" description="Create role-scoped customer API keys and keep integration access aligned with workspace permissions.">
      {!canManage && (
        <div className="notice info">
          <p className="empty-title">API key management is restricted.</p>
          <p>Workspace owners and admins can create and revoke integration keys.</p>
        </div>
      )}
      <ErrorNotice error={create.error ?? revoke.error ?? keys.error} />
      <SuccessNotice>{notice}</SuccessNotice>
      {created && <OneTimeSecret label={`New API key ${created.name ?? created.display}`} value={created.api_key} onDismiss={() => setCreated(null)} />}
      {canManage && (
        <form className="inline-form" aria-label="Create an API key" onSubmit={onSubmitForm(create.run)}>
          <Field label="Key name" name="name" maxLength={100} placeholder="production-worker" error={create.error?.detailFor('name')} />
          <SelectField label="Role" name="role" options={grantableRoles(current.org.role)} defaultValue="member" hint="The key can do what this role can." />
          <Field label="Expires on (optional)" name="expires_on" type="date" error={create.error?.detailFor('expires_at')} />
          <SubmitButton pending={create.pending} pendingText="Creating…">
            Create key
          </SubmitButton>
        </form>
      )}
      {keys.loading && !keys.data && <Loading>Loading API keys…</Loading>}
      {keys.data && list.length === 0 && <p className="hint">No API keys yet.</p>}
      {list.length > 0 && (
        <DataTable caption="API keys" columns={['Key', 'Role', 'Status', 'Created', 'Last used', 'Expires', canManage && 'Actions']}>
          {list.map((key) => {
            const status = keyStatus(key);
            return (
              <tr key={key.api_key_id} data-testid={`api-key-${key.api_key_id}`}>
                <th scope="row">
                  {key.name ?? 'Unnamed key'}
                  <code className="key-display">{key.display}</code>
                </th>
                <td>{ROLE_LABELS[key.role]}</td>
                <td>
                  <StatusBadge status={status} />
                </td>
                <td>{formatDateTime(key.created_at)}</td>
                <td>{formatDateTime(key.last_used_at, 'Never')}</td>
                <td>{formatDateTime(key.expires_at, 'Never')}</td>
                {canManage && (
                  <td>
                    {status !== 'revoked' && (
                      <ConfirmButton
                        accessibleLabel={`Revoke key ${key.name ?? key.display}`}
                        question={`Revoke ${key.name ?? key.display}?`}
                        confirmText="Revoke"
                        disabled={revoke.pending}
                        onConfirm={() => revoke.run(key)}
                      >
                        Revoke
                      </ConfirmButton>
                    )}
                  </td>
                )}
              </tr>
            );
          })}
        </DataTable>
      )}
    </Section>
  );
}
