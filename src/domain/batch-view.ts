/** A batch as the API and its webhook events show it. */
import { isoTimestamp } from '../clock.ts';
import { formatUsd } from '../money.ts';
import type { BatchRow } from '../db/queries/batches.ts';
import type { ItemStatus } from '../db/schema.ts';
import type { PlanPresentation } from './quotes.ts';

const ITEM_STATUSES: readonly ItemStatus[] = ['queued', 'dispatched', 'succeeded', 'failed', 'cancelled', 'expired'];

/** A batch as the API and its webhook events show it, given its item counts by status. */
export function batchView(batch: BatchRow, counts: Partial<Record<ItemStatus, number>>) {
  const estimate = batch.estimate as PlanPresentation;
  return {
    id: batch.id,
    object: 'batch' as const,
    status: batch.status,
    sla_tier: batch.sla_tier,
    routing_mode: batch.routing_mode,
    privacy_tier: batch.privacy_tier,
    allowed_regions: batch.allowed_regions,
    sla_deadline: isoTimestamp(batch.sla_deadline),
    quote_id: batch.quote_id,
    metadata: batch.metadata as Record<string, string>,
    item_count: batch.item_count,
    counts: Object.fromEntries(ITEM_STATUSES.map((status) => [status, counts[status] ?? 0])) as Record<ItemStatus, number>,
    pricing_estimate: estimate.pricing_estimate,
    cost: { currency: 'usd' as const, reserved: formatUsd(batch.reserved_micros), charged: formatUsd(batch.captured_micros) },
    webhook: batch.webhook_url === null ? null : { url: batch.webhook_url, status: batch.webhook_disabled_at === null ? ('enabled' as const) : ('disabled' as const) },
    created_at: isoTimestamp(batch.created_at),
    updated_at: isoTimestamp(batch.updated_at),
    finished_at: batch.finished_at ? isoTimestamp(batch.finished_at) : null,
  };
}

