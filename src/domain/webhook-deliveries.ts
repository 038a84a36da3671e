/**
 * The delivery log as customers use it: every delivery with every attempt, a test ping of the
 * workspace endpoint, and manual redelivery of an event.
 */
import { isoTimestamp } from '../clock.ts';
import { newId } from '../ids.ts';
import { findBatchById } from '../db/queries/batches.ts';
import { findEndpoint, findEvent, findOrgDelivery, insertDelivery, listAttempts, listDeliveries, type DeliveryFilter, type DeliveryRow } from '../db/queries/webhooks.ts';
import type { Principal, RequestOrigin } from './context.ts';
import { ApiError } from './errors.ts';
import { attemptDelivery } from './webhook-delivery.ts';
import { queueEvent, TEST_EVENT_TYPE } from './webhook-events.ts';
import { auditWebhook, type WebhookContext } from './webhooks.ts';
import type { PageCursor } from '../db/queries/pages.ts';

type AttemptRow = Awaited<ReturnType<typeof listAttempts>>[number];

/** A delivery as the API shows it, with its attempts oldest first. */
function presentDelivery(delivery: DeliveryRow, attempts: readonly AttemptRow[]) {
  return {
    id: delivery.id,
    object: 'webhook_delivery' as const,
    event_id: delivery.event_id,
    event_type: delivery.event_type,
    batch_id: delivery.batch_id,
    target: delivery.target,
    url: delivery.url,
    status: delivery.status,
    attempt_count: delivery.attempt_count,
    next_attempt_at: delivery.next_attempt_at ? isoTimestamp(delivery.next_attempt_at) : null,
    last_status_code: delivery.last_status_code,
    last_error: delivery.last_error,
    delivered_at: delivery.delivered_at ? isoTimestamp(delivery.delivered_at) : null,
    redelivery_of: delivery.redelivery_of,
    created_at: isoTimestamp(delivery.created_at),
    attempts: attempts.map((attempt) => ({
      attempt: attempt.attempt,
      attempted_at: isoTimestamp(attempt.attempted_at),
      outcome: attempt.outcome,
      status_code: attempt.status_code,
      error: attempt.error,
      response_excerpt: attempt.response_excerpt,
      address: attempt.address,
      duration_ms: attempt.duration_ms,
    })),
  };
}

export type PresentedDelivery = ReturnType<typeof presentDelivery>;

async function presentAll(ctx: WebhookContext, deliveries: readonly DeliveryRow[]): Promise<PresentedDelivery[]> {
  const attempts = await listAttempts(
    ctx.db,
    deliveries.map((delivery) => delivery.id),
  );
  return deliveries.map((delivery) =>
    presentDelivery(
      delivery,
      attempts.filter((attempt) => attempt.delivery_id === delivery.id),
    ),
  );
}

/** One page of the org's deliveries, newest first, and the cursor of the next page. */
export async function listOrgDeliveries(ctx: WebhookContext, principal: Principal, filter: DeliveryFilter, limit: number, after: PageCursor | null) {
  const rows = await listDeliveries(ctx.db, principal.orgId, filter, limit + 1, after);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { data: await presentAll(ctx, page), next: rows.length > limit && last ? { createdAt: last.created_at, id: last.id } : null };
}

/** One delivery of the org, with its attempts; another org's is a 404, as if absent. */
export async function getDelivery(ctx: WebhookContext, principal: Principal, deliveryId: string): Promise<PresentedDelivery> {
  const delivery = await findOrgDelivery(ctx.db, principal.orgId, deliveryId);
  if (!delivery) throw new ApiError('webhook_delivery_not_found', `No webhook delivery ${deliveryId} exists in your org.`);
  const [presented] = await presentAll(ctx, [delivery]);
  if (!presented) throw new Error('a delivery vanished while it was presented');
  return presented;
}

/** Sends a `webhook.test` event to the workspace endpoint now, once, and returns the logged delivery. */
export async function pingEndpoint(ctx: WebhookContext, principal: Principal, origin: RequestOrigin): Promise<PresentedDelivery> {
  const endpoint = await findEndpoint(ctx.db, principal.orgId);
  if (!endpoint) throw new ApiError('webhook_not_found', 'This workspace has no delivery webhook to test: save one first.');
  const now = ctx.clock.now();
  const deliveryId = await ctx.db.transaction().execute(async (trx) => {
    const id = await queueEvent(ctx, trx, { orgId: principal.orgId, batchId: null, type: TEST_EVENT_TYPE, data: { org_id: principal.orgId, message: 'A test event from BatchRouter.' }, at: now }, { target: 'test', url: endpoint.url });
    await auditWebhook(trx, { principal, origin, action: 'webhook.tested', at: now });
    return id;
  });
  await attemptDelivery(ctx, deliveryId, 1, { retry: false });
  return getDelivery(ctx, principal, deliveryId);
}

/**
 * Sends a delivery's event again, as a new delivery with the same event id (receivers drop
 * duplicates by `webhook-id`), to the endpoint as it is now; 409 when that endpoint is disabled.
 */
export async function redeliver(ctx: WebhookContext, principal: Principal, deliveryId: string, origin: RequestOrigin): Promise<PresentedDelivery> {
  const original = await findOrgDelivery(ctx.db, principal.orgId, deliveryId);
  if (!original) throw new ApiError('webhook_delivery_not_found', `No webhook delivery ${deliveryId} exists in your org.`);
  const event = await findEvent(ctx.db, original.event_id);
  if (!event) throw new Error(`delivery ${deliveryId} has no event`);
  const url = await currentUrl(ctx, original);
  const now = ctx.clock.now();
  const id = newId('whdel');
  await ctx.db.transaction().execute(async (trx) => {
    await insertDelivery(trx, {
      id,
      event_id: event.id,
      org_id: original.org_id,
      batch_id: original.batch_id,
      event_type: original.event_type,
      target: original.target,
      url,
      status: 'pending',
      next_attempt_at: now,
      last_status_code: null,
      last_error: null,
      delivered_at: null,
      redelivery_of: original.id,
      created_at: now,
      updated_at: now,
    });
    await ctx.jobs.send(trx, 'deliver-webhook', { delivery_id: id, attempt: '1' });
    await auditWebhook(trx, { principal, origin, action: 'webhook.redelivered', at: now, target: { type: 'webhook_delivery', id: original.id }, details: { new_delivery_id: id } });
  });
  return getDelivery(ctx, principal, id);
}

/** The URL a delivery would go to now, or 409 when its endpoint cannot take it. */
async function currentUrl(ctx: WebhookContext, delivery: DeliveryRow): Promise<string> {
  if (delivery.target === 'batch') {
    const batch = delivery.batch_id === null ? undefined : await findBatchById(ctx.db, delivery.batch_id);
    if (!batch?.webhook_url || batch.webhook_disabled_at !== null) throw new ApiError('webhook_disabled', "The batch's webhook is disabled: its receiver answered 410 Gone.");
    return batch.webhook_url;
  }
  const endpoint = await findEndpoint(ctx.db, delivery.org_id);
  if (!endpoint || endpoint.disabled_at !== null) throw new ApiError('webhook_disabled', 'The workspace endpoint is disabled or was removed: save it again, then redeliver.');
  return endpoint.url;
}
