/**
 * One attempt of a webhook delivery: sign the event's body for this attempt, send it through the
 * address policy (src/webhooks/safe-post.ts), log the attempt, and decide what follows. A 2xx
 * delivers; 410 Gone disables the endpoint; anything else (another status, a timeout, a
 * connection error, an address refused at connect time) is retried with jittered exponential
 * backoff until the retry window (a day by default) has passed since the event.
 */
import { findBatchById } from '../db/queries/batches.ts';
import { disableBatchWebhook, findDeliveryById, findEvent, insertAttempt, lockDelivery, updateDelivery, type DeliveryRow } from '../db/queries/webhooks.ts';
import type { Executor, WebhookAttemptOutcome } from '../db/schema.ts';
import { safePost, type PostOutcome } from '../webhooks/safe-post.ts';
import { signatureHeaders } from '../webhooks/signing.ts';
import { SecretBoxError } from './secret-box.ts';
import { disableEndpoint, workspaceTarget, type DeliveryTarget, type WebhookContext } from './webhooks.ts';

/** Retry delays double from the configured base up to this. */
const MAX_RETRY_DELAY_SECONDS = 4 * 60 * 60;
const USER_AGENT = 'BatchRouter-Webhooks/1';

/** The delay before attempt `attempt + 1`: base × 2^(attempt − 1), at most 4 hours, ±20% jitter. */
export function retryDelaySeconds(baseSeconds: number, attempt: number, random: () => number = Math.random): number {
  const delay = Math.min(MAX_RETRY_DELAY_SECONDS, baseSeconds * 2 ** Math.min(attempt - 1, 30));
  return Math.max(1, Math.round(delay * (0.8 + 0.4 * random())));
}

/** The delivery's endpoint now: its batch's own, or the workspace's (a test ping goes to the workspace's too). */
async function targetOf(ctx: WebhookContext, db: Executor, delivery: DeliveryRow): Promise<DeliveryTarget> {
  try {
    if (delivery.target !== 'batch') return await workspaceTarget(ctx, db, delivery.org_id);
    const batch = delivery.batch_id === null ? undefined : await findBatchById(db, delivery.batch_id);
    if (!batch || batch.webhook_url === null || batch.webhook_secret_encrypted === null) return { stopped: "the batch's webhook is gone" };
    if (batch.webhook_disabled_at !== null) return { stopped: "the batch's webhook is disabled: its receiver answered 410 Gone" };
    return { url: batch.webhook_url, secrets: [ctx.webhooks.box.open(batch.webhook_secret_encrypted)] };
  } catch (error) {
    if (error instanceof SecretBoxError) return { stopped: `the signing secret cannot be read: ${error.message}` };
    throw error;
  }
}

/** What an attempt's outcome means for the delivery log. */
function logged(outcome: PostOutcome): { outcome: WebhookAttemptOutcome; statusCode: number | null; error: string | null } {
  if (outcome.kind === 'refused') return { outcome: 'refused', statusCode: null, error: `refused before connecting: ${outcome.reason}` };
  if (outcome.kind === 'failed') return { outcome: 'failed', statusCode: null, error: outcome.error };
  if (outcome.status >= 200 && outcome.status < 300) return { outcome: 'delivered', statusCode: outcome.status, error: null };
  const redirect = outcome.status >= 300 && outcome.status < 400 ? ': redirects are not followed' : '';
  return { outcome: 'http_error', statusCode: outcome.status, error: `the receiver answered ${outcome.status}${redirect}` };
}

/**
 * Makes attempt `attempt` of a delivery, unless it was already made (a job run twice) or the
 * delivery is no longer pending. With `retry`, a failure queues the next attempt while the retry
 * window lasts; a test ping is tried once. Returns the delivery as it stands afterwards.
 */
export async function attemptDelivery(ctx: WebhookContext, deliveryId: string, attempt: number, options: { retry: boolean }): Promise<DeliveryRow | undefined> {
  const delivery = await findDeliveryById(ctx.db, deliveryId);
  if (!delivery || delivery.status !== 'pending' || delivery.attempt_count !== attempt - 1) return delivery;
  const event = await findEvent(ctx.db, delivery.event_id);
  if (!event) throw new Error(`delivery ${deliveryId} has no event ${delivery.event_id}`);
  const target = await targetOf(ctx, ctx.db, delivery);
  const startedAt = ctx.clock.now();
  if ('stopped' in target) {
    await updateDelivery(ctx.db, deliveryId, { status: 'cancelled', last_error: target.stopped, next_attempt_at: null, updated_at: startedAt });
    return findDeliveryById(ctx.db, deliveryId);
  }
  const headers = {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    ...signatureHeaders({ id: event.id, at: startedAt, body: event.payload, secrets: target.secrets }),
  };
  const outcome = await safePost(
    { url: new URL(target.url), body: event.payload, headers },
    { policy: ctx.webhooks.policy, resolver: ctx.webhooks.resolver, timeoutMs: ctx.webhooks.timeoutMs, ...(ctx.webhooks.ca !== undefined ? { ca: ctx.webhooks.ca } : {}) },
  );
  await recordAttempt(ctx, delivery, attempt, target.url, outcome, startedAt, options.retry);
  return findDeliveryById(ctx.db, deliveryId);
}

async function recordAttempt(ctx: WebhookContext, delivery: DeliveryRow, attempt: number, url: string, outcome: PostOutcome, at: Date, retry: boolean): Promise<void> {
  const result = logged(outcome);
  await ctx.db.transaction().execute(async (trx) => {
    const current = await lockDelivery(trx, delivery.id);
    // Another run of the same job got here first: its record stands.
    if (!current || current.status !== 'pending' || current.attempt_count !== attempt - 1) return;
    await insertAttempt(trx, {
      delivery_id: delivery.id,
      attempt,
      attempted_at: at,
      outcome: result.outcome,
      status_code: result.statusCode,
      error: result.error,
      response_excerpt: outcome.kind === 'response' ? outcome.bodyExcerpt.slice(0, 1024) : null,
      address: outcome.kind === 'response' ? outcome.address : null,
      duration_ms: outcome.kind === 'refused' ? 0 : Math.round(outcome.durationMs),
    });
    const base = { attempt_count: attempt, url, last_status_code: result.statusCode, last_error: result.error, updated_at: at };
    if (result.outcome === 'delivered') {
      await updateDelivery(trx, delivery.id, { ...base, status: 'delivered', delivered_at: at, next_attempt_at: null });
      return;
    }
    if (result.statusCode === 410) {
      const reason = `the receiver answered 410 Gone at ${at.toISOString()}`;
      if (delivery.target === 'batch' && delivery.batch_id !== null) await disableBatchWebhook(trx, delivery.batch_id, at);
      else await disableEndpoint(trx, delivery.org_id, reason, at);
      await updateDelivery(trx, delivery.id, { ...base, status: 'failed', next_attempt_at: null, last_error: `${reason}: the endpoint is disabled until it is saved again` });
      return;
    }
    const delaySeconds = retryDelaySeconds(ctx.webhooks.retryBaseSeconds, attempt);
    const nextAt = new Date(at.getTime() + delaySeconds * 1000);
    if (!retry || nextAt.getTime() - delivery.created_at.getTime() > ctx.webhooks.retryWindowSeconds * 1000) {
      await updateDelivery(trx, delivery.id, { ...base, status: 'failed', next_attempt_at: null });
      return;
    }
    await updateDelivery(trx, delivery.id, { ...base, next_attempt_at: nextAt });
    await ctx.jobs.send(trx, 'deliver-webhook', { delivery_id: delivery.id, attempt: String(attempt + 1) }, { startAfterSeconds: delaySeconds });
  });
}
