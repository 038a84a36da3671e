/**
 * Delivery webhooks: save the workspace endpoint (HTTPS only) and an optional secret, see a
 * generated secret once, rotate it without showing the old one, and send a test ping.
 */
import { useState } from 'react';
import { api } from '../../api/client.ts';
import type { DeliveryWebhook, WebhookDelivery } from '../../api/types.ts';
import { OneTimeSecret, Section, StatusBadge } from '../../components/display.tsx';
import { ErrorNotice, Loading, SuccessNotice } from '../../components/feedback.tsx';
import { Field, formValue, onSubmitForm, SubmitButton } from '../../components/forms.tsx';
import { formatDateTime } from '../../format.ts';
import { useAction, useResource } from '../../hooks.ts';
import { canManageWorkspace, useCurrentSession } from '../../session.tsx';

const PATH = '/v1/auth/account/delivery-webhook';

/** Answers carry the secret itself only when it was generated or rotated; otherwise it is masked. */
function isRevealed(secret: string): boolean {
  return !secret.includes('…');
}

function describeTest(delivery: WebhookDelivery): string {
  const attempt = delivery.attempts.at(-1);
  const timing = attempt?.duration_ms != null ? ` in ${attempt.duration_ms} ms` : '';
  if (delivery.status === 'delivered') return `Test ping delivered: the receiver answered HTTP ${delivery.last_status_code ?? attempt?.status_code ?? '2xx'}${timing}.`;
  const why = attempt?.error ?? delivery.last_error ?? (delivery.last_status_code !== null ? `HTTP ${delivery.last_status_code}` : 'no answer');
  return `Test ping failed: ${why}${timing}.`;
}

export function DeliveryWebhookSection() {
  const current = useCurrentSession();
  const canManage = canManageWorkspace(current);
  const endpoint = useResource<DeliveryWebhook>(PATH);
  const [revealed, setRevealed] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [testResult, setTestResult] = useState<WebhookDelivery | null>(null);

  const save = useAction(async (form: HTMLFormElement) => {
    const secret = formValue(form, 'secret').trim();
    const answer = await api.put<DeliveryWebhook>(PATH, { url: formValue(form, 'url').trim(), ...(secret !== '' ? { secret } : {}) });
    form.reset();
    // The endpoint is read again first, so the message never shows beside the details it replaced.
    await endpoint.reload();
    setRevealed(isRevealed(answer.secret) ? answer.secret : null);
    setSaved(secret !== '' ? 'Webhook saved with your secret.' : 'Webhook saved.');
    setTestResult(null);
  });
  const rotate = useAction(async () => {
    const answer = await api.post<DeliveryWebhook>(`${PATH}/rotate-secret`);
    await endpoint.reload();
    setRevealed(answer.secret);
    setSaved('Signing secret rotated. The previous secret keeps signing beside the new one for 24 hours.');
  });
  const test = useAction(async () => {
    setTestResult(await api.post<WebhookDelivery>(`${PATH}/test`));
  });

  const missing = endpoint.error?.code === 'webhook_not_found';
  const hook = missing ? undefined : endpoint.data;
  return (
    <Section
      id="delivery-webhooks"
      title="Delivery webhooks"
      description="Save the workspace endpoint used for callback-driven deliveries and rotate the signing secret without exposing it again."
    >
      <h3>Workspace callback</h3>
      {endpoint.loading && !endpoint.data && !endpoint.error && <Loading>Loading the delivery webhook…</Loading>}
      {!missing && <ErrorNotice error={endpoint.error} />}
      {missing && <p className="empty-title">No workspace delivery webhook has been saved yet.</p>}
      {hook && (
        <dl className="details" data-testid="webhook-current">
          <dt>Endpoint</dt>
          <dd>
            <code>{hook.url}</code>
          </dd>
          <dt>Status</dt>
          <dd>
            <StatusBadge status={hook.status} />
            {hook.disabled_reason && ` ${hook.disabled_reason}`}
          </dd>
          <dt>Signing secret</dt>
          <dd>
            <code data-testid="webhook-masked-secret">{hook.secret}</code>
            {hook.previous_secret_expires_at && ` (the previous secret also signs until ${formatDateTime(hook.previous_secret_expires_at)})`}
          </dd>
          <dt>Last saved</dt>
          <dd>{formatDateTime(hook.updated_at)}</dd>
        </dl>
      )}
      {revealed && <OneTimeSecret label="New signing secret" value={revealed} onDismiss={() => setRevealed(null)} />}
      <SuccessNotice>{saved}</SuccessNotice>
      <ErrorNotice error={save.error ?? rotate.error ?? test.error} />
      {canManage ? (
        <>
          <form className="stack" aria-label="Workspace callback" onSubmit={onSubmitForm(save.run)}>
            <Field
              key={hook?.url ?? 'none'}
              label="Callback URL"
              name="url"
              type="url"
              inputMode="url"
              required
              placeholder="https://hooks.example.com/batchrouter"
              defaultValue={hook?.url ?? ''}
              hint="HTTPS only; private network and metadata hosts are rejected by the API."
              error={save.error?.detailFor('url')}
            />
            <Field
              label="Signing secret (optional)"
              name="secret"
              autoComplete="off"
              spellCheck={false}
              minLength={16}
              maxLength={256}
              hint={
                hook
                  ? 'Add a secret so receivers can verify callback authenticity. Leave empty to keep the current secret.'
                  : 'Add a secret so receivers can verify callback authenticity. Leave empty and one is generated and shown once.'
              }
              error={save.error?.detailFor('secret')}
            />
            <div className="button-row">
              <SubmitButton pending={save.pending} pendingText="Saving…">
                Save webhook
              </SubmitButton>
              {hook && (
                <>
                  <button type="button" className="button" onClick={() => void rotate.run()} disabled={rotate.pending}>
                    Rotate signing secret
                  </button>
                  <button type="button" className="button" onClick={() => void test.run()} disabled={test.pending}>
                    {test.pending ? 'Sending test…' : 'Send test ping'}
                  </button>
                </>
              )}
            </div>
          </form>
          {testResult && (
            <p className={`notice ${testResult.status === 'delivered' ? 'success' : 'error'}`} role="status" data-testid="webhook-test-result">
              {describeTest(testResult)}
            </p>
          )}
        </>
      ) : (
        <p className="hint">HTTPS only; private network and metadata hosts are rejected by the API. Workspace owners and admins can change the delivery webhook.</p>
      )}
    </Section>
  );
}
