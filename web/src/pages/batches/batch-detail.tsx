/** One batch: status, progress, counts, cost, lanes, a preview of its results, download and cancel. */
import { useState } from 'react';
import { api } from '../../api/client.ts';
import type { ArtifactLink, BatchWithReceipt, ResultsPage } from '../../api/types.ts';
import { ConfirmButton } from '../../components/buttons.tsx';
import { Section, StatusBadge } from '../../components/display.tsx';
import { ErrorNotice, Loading, SuccessNotice } from '../../components/feedback.tsx';
import { formatDateTime, formatUsd } from '../../format.ts';
import { useAction, useInterval, useResource, useTitle } from '../../hooks.ts';
import { Link } from '../../router.tsx';
import { BatchProgress, isOpen, ItemCounts } from './batch-figures.tsx';
import { BatchLanes, ResultsPreview } from './batch-sections.tsx';

export function BatchDetailPage({ batchId }: { batchId: string }) {
  useTitle(`Batch ${batchId}`);
  const path = `/v1/batches/${encodeURIComponent(batchId)}`;
  const batch = useResource<BatchWithReceipt>(`${path}?include_billing_receipt=true`);
  const results = useResource<ResultsPage>(`${path}/results?limit=20`);
  const open = batch.data ? isOpen(batch.data) : false;
  useInterval(
    () => {
      void batch.reload();
      void results.reload();
    },
    3000,
    open,
  );
  const [notice, setNotice] = useState<string | null>(null);
  const cancel = useAction(async () => {
    await api.post<unknown>(`${path}/cancel`);
    await Promise.all([batch.reload(), results.reload()]);
    setNotice('Batch cancelled: unfinished items were cancelled and cost nothing.');
  });
  const [artifact, setArtifact] = useState<ArtifactLink | null>(null);
  const download = useAction(async () => {
    const link = await api.get<ArtifactLink>(`${path}/artifact-url`);
    setArtifact(link);
    window.location.assign(link.url);
  });

  if (!batch.data) {
    return (
      <div>
        <p>
          <Link to="/batches">← All batches</Link>
        </p>
        <h1>
          Batch <code>{batchId}</code>
        </h1>
        {batch.loading ? <Loading>Loading the batch…</Loading> : <ErrorNotice error={batch.error} />}
      </div>
    );
  }
  const data = batch.data;
  const receipt = data.billing_receipt;
  return (
    <div>
      <p>
        <Link to="/batches">← All batches</Link>
      </p>
      <header className="page-header with-actions">
        <div>
          <h1>
            Batch <code>{data.id}</code>
          </h1>
          <p className="description">
            <StatusBadge status={data.status} /> {data.item_count} item{data.item_count === 1 ? '' : 's'} · {data.sla_tier} SLA · {data.routing_mode.replaceAll('_', ' ')} routing
          </p>
        </div>
        <div className="button-row">
          {open && (
            <ConfirmButton accessibleLabel={`Cancel batch ${data.id}`} question="Cancel this batch? Unfinished items stop and cost nothing." confirmText="Cancel batch" onConfirm={() => cancel.run()} disabled={cancel.pending}>
              Cancel batch
            </ConfirmButton>
          )}
          {!open && (
            <button type="button" className="button" onClick={() => void download.run()} disabled={download.pending}>
              Download results (JSONL)
            </button>
          )}
        </div>
      </header>
      <ErrorNotice error={cancel.error ?? download.error ?? batch.error} />
      <SuccessNotice>{notice}</SuccessNotice>
      {artifact && (
        <p className="hint" role="status">
          Download started. If it did not, <a href={artifact.url}>use this link</a> (valid until {formatDateTime(artifact.expires_at)}).
        </p>
      )}
      <div className="columns">
        <Section id="batch-progress" title="Progress">
          <BatchProgress batch={data} />
          <p>
            <ItemCounts batch={data} />
          </p>
          <dl className="details">
            <dt>Submitted</dt>
            <dd>{formatDateTime(data.created_at)}</dd>
            <dt>SLA deadline</dt>
            <dd>{formatDateTime(data.sla_deadline)}</dd>
            <dt>Finished</dt>
            <dd>{formatDateTime(data.finished_at, open ? 'Still running' : '--')}</dd>
            <dt>Privacy</dt>
            <dd>
              {data.privacy_tier.replaceAll('_', ' ')} · regions {data.allowed_regions.join(', ')}
            </dd>
          </dl>
        </Section>
        <Section id="batch-cost" title="Cost">
          <dl className="details" data-testid="batch-cost">
            <dt>Charged</dt>
            <dd>{formatUsd(data.cost.charged)}</dd>
            <dt>Reserved</dt>
            <dd>{formatUsd(data.cost.reserved)}</dd>
            <dt>Estimate</dt>
            <dd>
              {formatUsd(data.pricing_estimate.total)} (at most {formatUsd(data.pricing_estimate.max)})
            </dd>
            <dt>Provider subtotal</dt>
            <dd>{formatUsd(receipt.provider_subtotal)}</dd>
            <dt>Platform fee</dt>
            <dd>{(receipt.platform_fee_bps / 100).toFixed(2)}%</dd>
          </dl>
          {!receipt.final && <p className="hint">Figures are final once the batch has ended.</p>}
        </Section>
      </div>
      <BatchLanes receipt={receipt} />
      <ResultsPreview results={results} itemCount={data.item_count} />
    </div>
  );
}
