/** Batches: status, progress, item counts and cost of every batch, newest first. */
import type { Batch } from '../../api/types.ts';
import { StatusBadge } from '../../components/display.tsx';
import { PagedTable } from '../../components/data-table.tsx';
import { EmptyState } from '../../components/feedback.tsx';
import { formatDateTime, formatUsd } from '../../format.ts';
import { useInterval, usePagedList, useTitle } from '../../hooks.ts';
import { Link } from '../../router.tsx';
import { BatchProgress, isOpen, ItemCounts } from './batch-figures.tsx';

export function BatchesPage() {
  useTitle('Batches');
  const batches = usePagedList<Batch>('/v1/batches?limit=20');
  // While something runs and only the first page is shown, keep it current.
  const running = batches.items.some(isOpen) && !batches.hasMore;
  useInterval(() => void batches.reload(), 5000, running);
  return (
    <div>
      <header className="page-header">
        <h1>Batches</h1>
        <p className="description">Every batch submitted to this workspace, newest first: where it stands, what it has done and what it costs.</p>
      </header>
      <PagedTable
        list={batches}
        what="batches"
        caption="Batches"
        testId="batches-table"
        className="card"
        loadingText="Loading batches…"
        columns={['Batch', 'Status', 'Progress', 'Items', 'Cost', 'Submitted']}
        empty={
          <EmptyState title="No batches yet.">
            Submit one with the <Link to="/account#api-quickstart">API quickstart</Link>: it shows up here as soon as it is accepted.
          </EmptyState>
        }
        row={(batch) => (
          <tr key={batch.id}>
            <th scope="row">
              <Link to={`/batches/${batch.id}`}>
                <code>{batch.id}</code>
              </Link>
              <span className="hint block">
                {batch.sla_tier} · {batch.routing_mode.replaceAll('_', ' ')}
              </span>
            </th>
            <td>
              <StatusBadge status={batch.status} />
            </td>
            <td>
              <BatchProgress batch={batch} />
            </td>
            <td>
              <ItemCounts batch={batch} />
            </td>
            <td>
              {formatUsd(batch.cost.charged)}
              <span className="hint block">{isOpen(batch) ? `${formatUsd(batch.cost.reserved)} reserved` : `estimate ${formatUsd(batch.pricing_estimate.total)}`}</span>
            </td>
            <td>{formatDateTime(batch.created_at)}</td>
          </tr>
        )}
      />
    </div>
  );
}
