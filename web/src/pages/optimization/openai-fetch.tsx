/**
 * Fetching a workload straight from OpenAI: the workspace's OpenAI API key (owners and admins
 * store, replace and remove it; everyone sees it masked), and POST /v1/imports/openai, which reads
 * the recent (or named) OpenAI batches with it.
 */
import { useState, type ReactNode } from 'react';
import { api } from '../../api/client.ts';
import type { OpenAIImport, ProviderKey } from '../../api/types.ts';
import { ConfirmButton } from '../../components/buttons.tsx';
import { Section } from '../../components/display.tsx';
import { ErrorNotice, Loading, SuccessNotice } from '../../components/feedback.tsx';
import { Field, formValue, onSubmitForm, SubmitButton } from '../../components/forms.tsx';
import { formatCount, formatDateTime } from '../../format.ts';
import { useAction, useResource } from '../../hooks.ts';
import { canManageWorkspace, useCurrentSession } from '../../session.tsx';
import type { ImportSelection } from './import-upload.tsx';

const KEY_PATH = '/v1/auth/account/provider-keys/openai';
const NO_KEY = 'provider_key_not_found';

/** What to do about the fetch errors the dashboard can help with, for someone who may or may not manage the key. */
function fetchAdvice(code: string, canManage: boolean): ReactNode {
  const storeKey = canManage ? 'Store a working key above.' : 'Ask a workspace owner or admin to store a working key.';
  if (code === NO_KEY) return canManage ? 'Store the workspace’s OpenAI API key above first.' : 'Ask a workspace owner or admin to store the workspace’s OpenAI API key.';
  if (code === 'provider_key_rejected') return `OpenAI does not accept the stored key (revoked, or for another project). ${storeKey}`;
  if (code === 'provider_unavailable') return 'OpenAI could not be reached or did not answer in time. Try again later, fetch fewer batches at a time, or download the files from OpenAI and upload them above.';
  return null;
}

const FETCH_ERROR_TITLES: Record<string, string> = {
  [NO_KEY]: 'No OpenAI key is stored.',
  provider_key_rejected: 'OpenAI rejected the key.',
  provider_unavailable: 'OpenAI is unavailable.',
};

export function OpenAIFetchSection({ onImported }: { onImported(selection: ImportSelection): void }) {
  const current = useCurrentSession();
  const canManage = canManageWorkspace(current);
  const [imported, setImported] = useState<OpenAIImport | null>(null);
  const fetching = useAction(async (form: HTMLFormElement) => {
    setImported(null);
    const batchIds = formValue(form, 'batch_ids').split(/[\s,]+/).filter(Boolean);
    const answer = await api.post<OpenAIImport>('/v1/imports/openai', batchIds.length > 0 ? { batch_ids: batchIds } : {});
    setImported(answer);
    onImported({ outputFileId: answer.output_file_id, inputFileId: answer.input_file_id });
  });
  const code = fetching.error?.code ?? '';
  return (
    <Section id="openai-fetch" title="Fetch from OpenAI" description="Or let BatchRouter read your OpenAI batches with the workspace's own OpenAI API key, instead of downloading and uploading their files.">
      <OpenAIKey canManage={canManage} />
      <h3 id="fetch-batches-title">Fetch batches</h3>
      <ErrorNotice error={fetching.error} title={FETCH_ERROR_TITLES[code]} advice={fetchAdvice(code, canManage)} />
      {imported && (
        <SuccessNotice>
          Fetched {formatCount(imported.batches.length)} OpenAI {imported.batches.length === 1 ? 'batch' : 'batches'} ({imported.batches.map((batch) => batch.id).join(', ')}): {formatCount(imported.lines.output)} output lines,{' '}
          {formatCount(imported.lines.input)} input lines{imported.lines.unreadable > 0 ? `, ${formatCount(imported.lines.unreadable)} unreadable lines left out` : ''}. The report below covers them.
          {imported.skipped.length > 0 && (
            <ul>
              {imported.skipped.map((batch) => (
                <li key={batch.id}>
                  Skipped <code>{batch.id}</code> ({batch.status}): {batch.reason}
                </li>
              ))}
            </ul>
          )}
        </SuccessNotice>
      )}
      <form className="inline-form" aria-labelledby="fetch-batches-title" onSubmit={onSubmitForm(fetching.run)}>
        <Field label="OpenAI batch ids (optional)" name="batch_ids" autoComplete="off" placeholder="batch_abc123, batch_def456" hint="Without ids: the batches that ended in the last 30 days, at most 20." />
        <SubmitButton pending={fetching.pending} pendingText="Fetching from OpenAI…">
          Fetch from OpenAI
        </SubmitButton>
      </form>
    </Section>
  );
}

function OpenAIKey({ canManage }: { canManage: boolean }) {
  const key = useResource<ProviderKey>(KEY_PATH);
  const [notice, setNotice] = useState<string | null>(null);
  // No key stored is an answer, not a failure: the 404 says so.
  const stored = key.error?.code === NO_KEY ? null : (key.data ?? null);
  const save = useAction(async (form: HTMLFormElement) => {
    setNotice(null);
    const saved = await api.put<ProviderKey>(KEY_PATH, { api_key: formValue(form, 'api_key').trim() });
    form.reset();
    await key.reload();
    setNotice(`OpenAI key saved. It is shown only masked from now on: ${saved.api_key}.`);
  });
  const remove = useAction(async () => {
    setNotice(null);
    await api.delete<unknown>(KEY_PATH);
    await key.reload();
    setNotice('OpenAI key removed: BatchRouter can no longer fetch from OpenAI for this workspace.');
  });
  return (
    <>
      <h3>The workspace’s OpenAI key</h3>
      <ErrorNotice error={save.error ?? remove.error ?? (key.error?.code === NO_KEY ? undefined : key.error)} />
      <SuccessNotice>{notice}</SuccessNotice>
      {key.loading && !key.data && !key.error && <Loading>Loading the OpenAI key…</Loading>}
      {!key.loading && stored === null && <p className="hint">No OpenAI key is stored for this workspace.</p>}
      {stored && (
        <p className="list-row" data-testid="openai-key">
          <span>
            Stored key <code data-testid="openai-key-masked">{stored.api_key}</code>, saved {formatDateTime(stored.updated_at)}.
          </span>
          {canManage && (
            <ConfirmButton accessibleLabel="Remove the OpenAI key" question="Remove the OpenAI key?" confirmText="Remove" disabled={remove.pending} onConfirm={() => remove.run()}>
              Remove key
            </ConfirmButton>
          )}
        </p>
      )}
      {canManage ? (
        <form className="inline-form" aria-label="Store the OpenAI API key" onSubmit={onSubmitForm(save.run)}>
          <Field
            label={stored ? 'Replace with a new key' : 'OpenAI API key'}
            name="api_key"
            type="password"
            autoComplete="off"
            required
            minLength={20}
            maxLength={512}
            placeholder="sk-…"
            hint="Encrypted at rest; shown only masked once saved. It needs read access to Batches and Files."
            error={save.error?.detailFor('api_key')}
          />
          <SubmitButton pending={save.pending} pendingText="Saving…">
            {stored ? 'Replace key' : 'Save key'}
          </SubmitButton>
        </form>
      ) : (
        <div className="notice info" data-testid="openai-key-restricted">
          <p className="empty-title">The OpenAI key is managed by owners and admins.</p>
          <p>Only workspace owners and admins can store, replace or remove it. Anyone in the workspace can fetch with it once it is stored.</p>
        </div>
      )}
    </>
  );
}
