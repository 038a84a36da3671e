/** SQL for delivery webhooks: endpoints, events, deliveries and their attempts. */
import type { Insertable, Kysely, Updateable } from 'kysely';
import type { DB, Executor, WebhookDeliveriesTable, WebhookDeliveryAttemptsTable, WebhookDeliveryStatus, WebhookEndpointsTable, WebhookEventsTable } from '../schema.ts';
import { olderThan, type PageCursor } from './pages.ts';

export async function findEndpoint(db: Executor, orgId: string) {
  return db.selectFrom('webhook_endpoints').selectAll().where('org_id', '=', orgId).executeTakeFirst();
}

export type EndpointRow = NonNullable<Awaited<ReturnType<typeof findEndpoint>>>;

/** Saves the org's endpoint: a new one, or a new URL and secret for the existing one (enabled again). */
export async function upsertEndpoint(db: Executor, endpoint: Insertable<WebhookEndpointsTable>): Promise<void> {
  await db
    .insertInto('webhook_endpoints')
    .values(endpoint)
    .onConflict((conflict) =>
      conflict.column('org_id').doUpdateSet({
        url: endpoint.url,
        secret_encrypted: endpoint.secret_encrypted,
        secret_hint: endpoint.secret_hint,
        previous_secret_encrypted: endpoint.previous_secret_encrypted ?? null,
        previous_secret_expires_at: endpoint.previous_secret_expires_at ?? null,
        disabled_at: null,
        disabled_reason: null,
        updated_at: endpoint.updated_at,
      }),
    )
    .execute();
}

export async function updateEndpoint(db: Executor, orgId: string, changes: Updateable<WebhookEndpointsTable>): Promise<void> {
  await db.updateTable('webhook_endpoints').set(changes).where('org_id', '=', orgId).execute();
}

/** Removes the org's endpoint; returns whether there was one. */
export async function deleteEndpoint(db: Executor, orgId: string): Promise<boolean> {
  const result = await db.deleteFrom('webhook_endpoints').where('org_id', '=', orgId).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function insertEvent(db: Executor, event: Insertable<WebhookEventsTable>): Promise<void> {
  await db.insertInto('webhook_events').values(event).execute();
}

export async function findEvent(db: Executor, eventId: string) {
  return db.selectFrom('webhook_events').selectAll().where('id', '=', eventId).executeTakeFirst();
}

export async function insertDelivery(db: Executor, delivery: Insertable<WebhookDeliveriesTable>): Promise<void> {
  await db.insertInto('webhook_deliveries').values(delivery).execute();
}

/** A delivery by id alone: for workers, which act for whichever org owns it. */
export async function findDeliveryById(db: Executor, deliveryId: string) {
  return db.selectFrom('webhook_deliveries').selectAll().where('id', '=', deliveryId).executeTakeFirst();
}

export type DeliveryRow = NonNullable<Awaited<ReturnType<typeof findDeliveryById>>>;

export async function findOrgDelivery(db: Executor, orgId: string, deliveryId: string) {
  return db.selectFrom('webhook_deliveries').selectAll().where('org_id', '=', orgId).where('id', '=', deliveryId).executeTakeFirst();
}

/** Locks a delivery for its attempt, so two workers never send the same attempt. */
export async function lockDelivery(db: Executor, deliveryId: string) {
  return db.selectFrom('webhook_deliveries').selectAll().where('id', '=', deliveryId).forUpdate().executeTakeFirst();
}

export async function updateDelivery(db: Executor, deliveryId: string, changes: Updateable<WebhookDeliveriesTable>): Promise<void> {
  await db.updateTable('webhook_deliveries').set(changes).where('id', '=', deliveryId).execute();
}

export async function insertAttempt(db: Executor, attempt: Insertable<WebhookDeliveryAttemptsTable>): Promise<void> {
  await db.insertInto('webhook_delivery_attempts').values(attempt).execute();
}

export interface DeliveryFilter {
  batchId?: string;
  status?: WebhookDeliveryStatus;
  eventType?: string;
}

/** A page of an org's deliveries, newest first, after the cursor (created_at, id) when given. */
export async function listDeliveries(db: Kysely<DB>, orgId: string, filter: DeliveryFilter, limit: number, after: PageCursor | null) {
  let query = db.selectFrom('webhook_deliveries').selectAll().where('org_id', '=', orgId);
  if (filter.batchId !== undefined) query = query.where('batch_id', '=', filter.batchId);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.eventType !== undefined) query = query.where('event_type', '=', filter.eventType);
  if (after) query = query.where(olderThan(after));
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

/** Every attempt of these deliveries, oldest first. */
export async function listAttempts(db: Kysely<DB>, deliveryIds: readonly string[]) {
  if (deliveryIds.length === 0) return [];
  return db.selectFrom('webhook_delivery_attempts').selectAll().where('delivery_id', 'in', deliveryIds).orderBy('delivery_id').orderBy('attempt').execute();
}

/** Stops a batch's own webhook after its receiver answered 410 Gone. */
export async function disableBatchWebhook(db: Executor, batchId: string, at: Date): Promise<void> {
  await db.updateTable('batches').set({ webhook_disabled_at: at }).where('id', '=', batchId).execute();
}

/** Claims the batch's next progress event: true at most once per `interval` (the caller's transaction). */
export async function claimProgressEvent(db: Executor, batchId: string, now: Date, notBefore: Date): Promise<boolean> {
  const result = await db
    .updateTable('batches')
    .set({ progress_event_at: now })
    .where('id', '=', batchId)
    .where((eb) => eb.or([eb('progress_event_at', 'is', null), eb('progress_event_at', '<=', notBefore)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Forgets finished deliveries (with their attempts) made before `before`, and events no delivery still needs; returns how many deliveries. */
export async function deleteWebhookHistoryBefore(db: Kysely<DB>, before: Date): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const old = trx.selectFrom('webhook_deliveries').select('id').where('created_at', '<', before).where('status', '<>', 'pending');
    await trx.deleteFrom('webhook_delivery_attempts').where('delivery_id', 'in', old).execute();
    const deleted = await trx.deleteFrom('webhook_deliveries').where('created_at', '<', before).where('status', '<>', 'pending').executeTakeFirst();
    await trx
      .deleteFrom('webhook_events')
      .where('created_at', '<', before)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('webhook_deliveries').select('id').whereRef('webhook_deliveries.event_id', '=', 'webhook_events.id'))))
      .execute();
    return Number(deleted.numDeletedRows);
  });
}
