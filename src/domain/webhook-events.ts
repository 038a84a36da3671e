/**
 * Webhook events. A batch announces `batch.submitted`, `batch.progress` (at most every 30 s while
 * items finish), and how it ended (`batch.completed`, `batch.failed`, `batch.cancelled`,
 * `batch.expired`). Each event is stored with the exact body its deliveries send and queued for
 * delivery in the transaction that made the change it announces: an event exists exactly when that
 * change was committed, and a receiver that is down loses nothing.
 */
import { isoTimestamp } from '../clock.ts';
import { newId } from '../ids.ts';
import { countItemsByStatus } from '../db/queries/batch-items.ts';
import { findBatchById, type BatchRow } from '../db/queries/batches.ts';
import { claimProgressEvent, findEndpoint, insertDelivery, insertEvent } from '../db/queries/webhooks.ts';
import type { Executor, ItemStatus, WebhookTarget } from '../db/schema.ts';
import { batchView } from './batch-view.ts';
import type { WebhookContext } from './webhooks.ts';

export const BATCH_EVENT_TYPES = ['batch.submitted', 'batch.progress', 'batch.completed', 'batch.failed', 'batch.cancelled', 'batch.expired'] as const;
export type BatchEventType = (typeof BATCH_EVENT_TYPES)[number];
/** The event of the test ping (POST /v1/auth/account/delivery-webhook/test). */
export const TEST_EVENT_TYPE = 'webhook.test';

/** At most one `batch.progress` per batch in this long. */
export const PROGRESS_INTERVAL_MS = 30_000;

/** Where a batch's events go: its own endpoint, else the workspace's; null when neither takes them. */
async function batchTarget(db: Executor, batch: BatchRow): Promise<{ target: WebhookTarget; url: string } | null> {
  if (batch.webhook_url !== null) return batch.webhook_disabled_at === null ? { target: 'batch', url: batch.webhook_url } : null;
  const endpoint = await findEndpoint(db, batch.org_id);
  return endpoint && endpoint.disabled_at === null ? { target: 'workspace', url: endpoint.url } : null;
}

/** The body every delivery of an event sends. */
function eventBody(id: string, type: string, at: Date, data: Record<string, unknown>): string {
  return JSON.stringify({ id, object: 'event', type, created_at: isoTimestamp(at), data });
}

/**
 * Stores an event and its delivery to `target`, and queues the first attempt, all in `trx`.
 * Returns the delivery's id.
 */
export async function queueEvent(
  ctx: WebhookContext,
  trx: Executor,
  event: { orgId: string; batchId: string | null; type: string; data: Record<string, unknown>; at: Date },
  destination: { target: WebhookTarget; url: string },
): Promise<string> {
  const eventId = newId('evt');
  const deliveryId = newId('whdel');
  await insertEvent(trx, { id: eventId, org_id: event.orgId, batch_id: event.batchId, type: event.type, payload: eventBody(eventId, event.type, event.at, event.data), created_at: event.at });
  await insertDelivery(trx, {
    id: deliveryId,
    event_id: eventId,
    org_id: event.orgId,
    batch_id: event.batchId,
    event_type: event.type,
    target: destination.target,
    url: destination.url,
    status: 'pending',
    next_attempt_at: event.at,
    last_status_code: null,
    last_error: null,
    delivered_at: null,
    redelivery_of: null,
    created_at: event.at,
    updated_at: event.at,
  });
  if (destination.target !== 'test') await ctx.jobs.send(trx, 'deliver-webhook', { delivery_id: deliveryId, attempt: '1' });
  return deliveryId;
}

/**
 * Announces the batch as it now stands in `trx` (call it after the change), when an endpoint takes
 * its events; `counts` saves counting items when the caller knows them.
 */
export async function emitBatchEvent(ctx: WebhookContext, trx: Executor, batchId: string, type: BatchEventType, at: Date, counts?: Partial<Record<ItemStatus, number>>): Promise<void> {
  const batch = await findBatchById(trx, batchId);
  if (!batch) return;
  const destination = await batchTarget(trx, batch);
  if (destination === null) return;
  const data = { batch: batchView(batch, counts ?? (await countItemsByStatus(trx, batchId))) };
  await queueEvent(ctx, trx, { orgId: batch.org_id, batchId, type, data, at }, destination);
}

/**
 * Announces progress after items finished, in the transaction that recorded them, at most every
 * 30 s per batch: the first caller after the interval claims the event (one indexed UPDATE, the
 * only cost when no endpoint takes the batch's events), others skip it.
 */
export async function emitProgressEvent(ctx: WebhookContext, trx: Executor, batchId: string, at: Date): Promise<void> {
  if (await claimProgressEvent(trx, batchId, at, new Date(at.getTime() - PROGRESS_INTERVAL_MS))) await emitBatchEvent(ctx, trx, batchId, 'batch.progress', at);
}
