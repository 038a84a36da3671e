/** What the batches list and a batch's page both show: progress and item counts. */
import type { Batch, ItemStatus } from '../../api/types.ts';
import { TERMINAL_BATCH_STATUSES } from '../../api/types.ts';
import { ProgressBar } from '../../components/display.tsx';
import { formatCount } from '../../format.ts';

const FINISHED: readonly ItemStatus[] = ['succeeded', 'failed', 'cancelled', 'expired'];
const COUNT_ORDER: readonly ItemStatus[] = ['succeeded', 'failed', 'queued', 'dispatched', 'cancelled', 'expired'];

export function finishedItems(batch: Batch): number {
  return FINISHED.reduce((sum, status) => sum + (batch.counts[status] ?? 0), 0);
}

export function isOpen(batch: Batch): boolean {
  return !TERMINAL_BATCH_STATUSES.includes(batch.status);
}

export function BatchProgress({ batch }: { batch: Batch }) {
  return <ProgressBar done={finishedItems(batch)} total={batch.item_count} label={`Progress of batch ${batch.id}`} />;
}

/** "3 succeeded · 1 failed", leaving out statuses with no items. */
export function ItemCounts({ batch }: { batch: Batch }) {
  const shown = COUNT_ORDER.filter((status) => (batch.counts[status] ?? 0) > 0);
  if (shown.length === 0) return <span className="hint">No items yet</span>;
  return (
    <span className="counts">
      {shown.map((status, index) => (
        <span key={status} className={`count ${status}`}>
          {index > 0 && ' · '}
          {formatCount(batch.counts[status])} {status}
        </span>
      ))}
    </span>
  );
}
