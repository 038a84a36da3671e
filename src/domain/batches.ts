/**
 * Batches as customers see them: submit (validate everything, reserve credits, store, queue),
 * read, list, cancel. The work itself happens in the worker tasks.
 */
import { sql } from 'kysely';
import { isoTimestamp } from '../clock.ts';
import { newId } from '../ids.ts';
import { formatUsd } from '../money.ts';
import { countItemsByStatus, costsByLane, finishOpenItems, insertItems } from '../db/queries/batch-items.ts';
import {
  findBatch,
  findBatchByIdempotencyKey,
  insertBatch,
  listBatches,
  lockBatch,
  transitionBatch,
  type BatchRow,
} from '../db/queries/batches.ts';
import { cancelOpenUnits, findSubmittedUnits, insertWorkUnit } from '../db/queries/work-units.ts';
import type { Executor } from '../db/schema.ts';
import { recordAudit } from './audit.ts';
import { isTerminalBatch, statusesBefore } from './batch-states.ts';
import { canonicalHash } from './canonical-json.ts';
import type { Principal, RequestOrigin } from './context.ts';
import { ApiError } from './errors.ts';
import type { Manifest } from './manifest.ts';
import {
  checkOrThrow,
  manifestHash,
  measuresOf,
  planTotals,
  presentPlan,
  pricesForSubmit,
  routeOrThrow,
  slaDeadline,
  type PlanPresentation,
  type RoutingContext,
} from './quotes.ts';
import type { RoutedItem } from './routing.ts';
import { queueFileMeasurement } from './openai-compat/file-measurement.ts';
import { shardPlan } from './shards.ts';
import { reserve, settle } from './settlement.ts';
import { baselinePriceColumns } from './usage.ts';
import { batchView } from './batch-view.ts';
import { emitBatchEvent } from './webhook-events.ts';
import { checkedWebhookSecret, checkedWebhookUrl, type WebhookSettings } from './webhooks.ts';
import type { PageCursor } from '../db/queries/pages.ts';

/** The background jobs the domain asks for. */
export type JobName = 'route-batch' | 'run-work-unit' | 'poll-work-unit' | 'finalize-batch' | 'cancel-provider-job' | 'deliver-webhook' | 'measure-dropin-files';

export interface JobQueue {
  /** Queues a job inside `db`'s transaction: it exists only if that transaction commits. */
  send(db: Executor, name: JobName, data: Record<string, string>, options?: { startAfterSeconds?: number; singletonKey?: string }): Promise<void>;
}

export interface BatchContext extends RoutingContext {
  jobs: JobQueue;
  webhooks: WebhookSettings;
}

export interface SubmitInput {
  manifest: Manifest;
  quoteId?: string;
  metadata?: Record<string, string>;
  /** The batch's own delivery webhook, instead of the workspace's. */
  webhook?: { url: string; secret: string };
  idempotencyKey: string;
  /** The whole request body, to tell a retry from a different request under the same key. */
  body: unknown;
  /** Stores rows that belong with the new batch (the OpenAI drop-in's), in the transaction that stores it. */
  alsoStore?: (trx: Executor, batch: BatchRow) => Promise<void>;
}

/** Where an item runs: a lane and model, at the lane's prices per million tokens. */
export interface RouteSelection {
  lane_id: string;
  provider: string;
  mode: string;
  region: string;
  model: string;
}

export interface MillionTokenPrices {
  input_micros_per_million: number;
  output_micros_per_million: number;
}

/** An item's route: the lane chosen and why, its prices, every attempt, and a rescue if there was one. */
export interface RouteReceipt {
  routing_mode: string;
  selected: RouteSelection;
  prices: MillionTokenPrices;
  reason: string;
  estimated_cost: string;
  max_cost: string;
  attempts: unknown[];
  /** Set when the item was moved off a late batch job: the lane it left (still able to answer first), and why. */
  rescue?: { from: RouteSelection & { unit_id: string; prices: MillionTokenPrices }; reason: string; at: string };
}

/** The route receipt an item starts with; the worker appends each attempt to it. */
function initialReceipt(routed: RoutedItem, routingMode: string): RouteReceipt {
  const { choice } = routed;
  return {
    routing_mode: routingMode,
    selected: { lane_id: choice.lane.id, provider: choice.lane.provider, mode: choice.lane.mode, region: choice.lane.region, model: choice.model.id },
    prices: { input_micros_per_million: choice.prices.inputMicrosPerMillion, output_micros_per_million: choice.prices.outputMicrosPerMillion },
    reason: routed.reason,
    estimated_cost: formatUsd(choice.expectedCostMicros),
    max_cost: formatUsd(choice.maxCostMicros),
    attempts: [],
  };
}

/** A batch as the API shows it. */
export async function presentBatch(ctx: BatchContext, batch: BatchRow, options: { billingReceipt?: boolean } = {}) {
  const presented = batchView(batch, await countItemsByStatus(ctx.db, batch.id));
  if (!options.billingReceipt) return presented;
  return { ...presented, billing_receipt: await billingReceipt(ctx, batch, batch.estimate as PlanPresentation) };
}

async function billingReceipt(ctx: BatchContext, batch: BatchRow, estimate: PlanPresentation) {
  const lanes = await costsByLane(ctx.db, batch.id);
  const providerCost = lanes.reduce((sum, lane) => sum + Number(lane.cost), 0);
  const finished = isTerminalBatch(batch.status);
  return {
    currency: 'usd' as const,
    final: finished,
    lanes_used: lanes.map((lane) => ({ lane_id: lane.lane_id, items_succeeded: lane.items, provider_cost: formatUsd(Number(lane.cost)) })),
    lanes_rejected: estimate.quote_lanes.filter((lane) => !lane.selected).map((lane) => ({ lane_id: lane.lane_id, rejection: lane.rejection })),
    provider_subtotal: formatUsd(providerCost),
    platform_fee_bps: batch.fee_bps,
    charged: formatUsd(batch.captured_micros),
    reserved: formatUsd(batch.reserved_micros),
    estimate: estimate.pricing_estimate,
  };
}

export type PresentedBatch = Awaited<ReturnType<typeof presentBatch>>;

/**
 * What tells a retry from a different request under the same Idempotency-Key: the hash of the
 * whole body, its inline items (if any) standing in as their digests (see measure-items.ts).
 */
async function requestHashOf(ctx: BatchContext, body: unknown): Promise<string> {
  if (typeof body !== 'object' || body === null || !('items' in body) || !Array.isArray(body.items)) return canonicalHash(body);
  const measured = await ctx.measurer.measure(body.items, true);
  return canonicalHash({ ...(body as Record<string, unknown>), items: measured.digest });
}

function replayOrConflict(existing: BatchRow, requestHash: string): BatchRow {
  if (existing.request_sha256 !== requestHash) {
    throw new ApiError('idempotency_key_reused', 'This Idempotency-Key was used for a different request: use a new key for a new batch.');
  }
  return existing;
}

/**
 * Submits a batch: every check first (nothing is stored on a 400), then in one transaction the
 * credit check and reservation (402 when the available balance cannot cover the maximum), the
 * batch, its first round of work units (the plan cut by lane limits: src/domain/shards.ts), its
 * items dispatched to them, and a job per unit: a new batch is `dispatched`. The same
 * Idempotency-Key with the same body returns the original batch; with another body, or while the
 * first is still being stored, 409.
 */
export async function submitBatch(ctx: BatchContext, principal: Principal, input: SubmitInput, origin: RequestOrigin): Promise<{ batch: BatchRow; replayed: boolean }> {
  const earlier = await findBatchByIdempotencyKey(ctx.db, principal.orgId, input.idempotencyKey);
  if (earlier) return { batch: replayOrConflict(earlier, await requestHashOf(ctx, input.body)), replayed: true };

  const measuring = ctx.measurer.measure(input.manifest.items, true);
  const checked = checkOrThrow(ctx, input.manifest);
  const measured = await measuring;
  const requestHash = await requestHashOf(ctx, input.body);
  const prices = await pricesForSubmit(ctx, principal, input.quoteId, () => manifestHash(input.manifest, measured));
  const plan = await routeOrThrow(ctx, checked, measuresOf(measured), prices);
  const inputJson = measured.inputJson ?? [];
  const webhook =
    input.webhook === undefined
      ? null
      : { url: await checkedWebhookUrl(ctx.webhooks, input.webhook.url, 'webhook.url'), secret: checkedWebhookSecret(input.webhook.secret, 'webhook.secret') };
  const feeBps = ctx.catalog.platform_fee_bps;
  const totals = planTotals(plan, feeBps);
  // The first round's work units: every item is dispatched to its unit as it is stored.
  const units = shardPlan(plan.items, ctx.lanes).map((shard) => ({ ...shard, id: newId('wu') }));
  const unitOf = new Map(units.flatMap((unit) => unit.indexes.map((index) => [index, unit.id] as const)));
  const modeOf = new Map(ctx.lanes.map((lane) => [lane.id, lane.mode]));
  const now = ctx.clock.now();
  const deadline = slaDeadline(checked, now);
  const batchId = newId('bat');

  return ctx.db.transaction().execute(async (trx) => {
    const locked = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(hashtextextended(${`${principal.orgId}:${input.idempotencyKey}`}, 0)) as locked`.execute(trx);
    if (!locked.rows[0]?.locked) throw new ApiError('idempotency_key_in_flight', 'A request with this Idempotency-Key is still being processed: retry shortly.');
    const raced = await findBatchByIdempotencyKey(trx, principal.orgId, input.idempotencyKey);
    if (raced) return { batch: replayOrConflict(raced, requestHash), replayed: true };

    const org = await trx.selectFrom('orgs').select('credit_balance_micros').where('id', '=', principal.orgId).forUpdate().executeTakeFirstOrThrow();
    if (org.credit_balance_micros < totals.maxMicros) {
      throw new ApiError(
        'insufficient_credits',
        `This batch may cost up to ${formatUsd(totals.maxMicros)} USD, which submit reserves; the available balance is ${formatUsd(org.credit_balance_micros)} USD.`,
        {
          details: [
            { path: 'credit_balance', message: `required ${formatUsd(totals.maxMicros)} USD, available ${formatUsd(org.credit_balance_micros)} USD` },
          ],
        },
      );
    }
    await insertBatch(trx, {
      id: batchId,
      org_id: principal.orgId,
      status: 'queued',
      sla_tier: checked.slaTier,
      routing_mode: checked.routingMode,
      privacy_tier: checked.privacyTier,
      allowed_regions: checked.regions ?? ['global'],
      sla_deadline: deadline,
      quote_id: input.quoteId ?? null,
      idempotency_key: input.idempotencyKey,
      request_sha256: requestHash,
      metadata: JSON.stringify(input.metadata ?? {}),
      item_count: plan.items.length,
      estimate: JSON.stringify(presentPlan(checked, plan, feeBps, deadline)),
      fee_bps: feeBps,
      reserved_micros: totals.maxMicros,
      webhook_url: webhook?.url ?? null,
      webhook_secret_encrypted: webhook === null ? null : ctx.webhooks.box.seal(webhook.secret),
      created_at: now,
      updated_at: now,
    });
    for (const unit of units) {
      await insertWorkUnit(trx, { id: unit.id, batch_id: batchId, lane_id: unit.laneId, mode: modeOf.get(unit.laneId) ?? 'sync', status: 'pending', item_count: unit.indexes.length, created_at: now });
    }
    await insertItems(
      trx,
      plan.items.map((routed) => ({
        batch_id: batchId,
        item_index: routed.item.index,
        customer_item_id: routed.item.customerItemId,
        operation: routed.item.operation,
        model: routed.item.models[0]?.id ?? routed.choice.model.id,
        model_options: routed.item.models.map((model) => model.id),
        input: inputJson[routed.item.index] ?? 'null',
        status: 'dispatched' as const,
        work_unit_id: unitOf.get(routed.item.index) ?? null,
        attempts: 1,
        lane_id: routed.choice.lane.id,
        assigned_model: routed.choice.model.id,
        input_tokens: routed.inputTokens,
        max_cost_micros: routed.choice.maxCostMicros,
        route_receipt: JSON.stringify(initialReceipt(routed, checked.routingMode)),
        ...baselinePriceColumns(prices, routed.item.models[0]),
      })),
    );
    if (totals.maxMicros > 0) await reserve(trx, principal.orgId, batchId, totals.maxMicros, principal.actor.id, now);
    await recordAudit(trx, {
      orgId: principal.orgId,
      actor: principal.actor,
      action: 'batch.submitted',
      target: { type: 'batch', id: batchId },
      origin,
      details: { items: plan.items.length, reserved_micros: totals.maxMicros },
      at: now,
    });
    await ctx.invalidation.publish(trx, { kind: 'org', id: principal.orgId });
    // Routed and dispatched in this transaction: the batch passes both steps before anyone sees it.
    await transitionBatch(trx, batchId, ['queued'], 'routing', now);
    await transitionBatch(trx, batchId, ['routing'], 'dispatched', now);
    for (const unit of units) await ctx.jobs.send(trx, 'run-work-unit', { work_unit_id: unit.id }, { singletonKey: unit.id });
    await emitBatchEvent(ctx, trx, batchId, 'batch.submitted', now, { dispatched: plan.items.length });
    const stored = await findBatch(trx, principal.orgId, batchId);
    if (!stored) throw new Error('a batch vanished inside the transaction that stored it');
    await input.alsoStore?.(trx, stored);
    return { batch: stored, replayed: false };
  }).then(async (result) => {
    if (!result.replayed) await ctx.invalidation.settle([{ kind: 'org', id: principal.orgId }]);
    return result;
  });
}

/** A batch of the principal's org; another org's batch is a 404, as if absent. */
export async function getBatch(ctx: BatchContext, principal: Principal, batchId: string): Promise<BatchRow> {
  const batch = await findBatch(ctx.db, principal.orgId, batchId);
  if (!batch) throw new ApiError('batch_not_found', `No batch ${batchId} exists in your org.`);
  return batch;
}

/** One page of the org's batches, newest first, and the cursor of the next page. */
export async function listOrgBatches(ctx: BatchContext, principal: Principal, limit: number, after: PageCursor | null) {
  const rows = await listBatches(ctx.db, principal.orgId, limit + 1, after);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { rows: page, next: rows.length > limit && last ? { createdAt: last.created_at, id: last.id } : null };
}

/**
 * Ends an open batch as cancelled or expired: its open items finish with that status, running
 * provider jobs are told to stop, and the money is settled. Returns the batch's org (whose cached
 * balance the caller invalidates after the commit), or null when the batch had already ended.
 */
export async function endBatch(ctx: BatchContext, trx: Executor, batchId: string, status: 'cancelled' | 'expired', at: Date): Promise<string | null> {
  const batch = await lockBatch(trx, batchId);
  if (!batch || isTerminalBatch(batch.status)) return null;
  const error =
    status === 'cancelled'
      ? { code: 'cancelled', message: 'The batch was cancelled before this item finished.', retryable: false }
      : { code: 'expired', message: `The item did not finish before the SLA deadline ${isoTimestamp(batch.sla_deadline)}.`, retryable: false };
  await finishOpenItems(trx, batchId, status, error, at);
  for (const unit of await findSubmittedUnits(trx, batchId)) {
    if (unit.provider_job_id !== null) {
      await ctx.jobs.send(trx, 'cancel-provider-job', { lane_id: unit.lane_id, provider_job_id: unit.provider_job_id });
    }
  }
  await cancelOpenUnits(trx, batchId, at);
  await transitionBatch(trx, batchId, statusesBefore(status), status, at);
  await settle(trx, batch, at);
  await queueFileMeasurement(ctx.jobs, trx, batchId);
  await emitBatchEvent(ctx, trx, batchId, status === 'cancelled' ? 'batch.cancelled' : 'batch.expired', at);
  await ctx.invalidation.publish(trx, { kind: 'org', id: batch.org_id });
  return batch.org_id;
}

/** Cancels an open batch of the principal's org; 409 when it has already finished. */
export async function cancelBatch(ctx: BatchContext, principal: Principal, batchId: string, origin: RequestOrigin): Promise<BatchRow> {
  await getBatch(ctx, principal, batchId);
  const now = ctx.clock.now();
  const ended = await ctx.db.transaction().execute(async (trx) => {
    const done = (await endBatch(ctx, trx, batchId, 'cancelled', now)) !== null;
    if (done) {
      await recordAudit(trx, {
        orgId: principal.orgId,
        actor: principal.actor,
        action: 'batch.cancelled',
        target: { type: 'batch', id: batchId },
        origin,
        at: now,
      });
    }
    return done;
  });
  if (!ended) throw new ApiError('batch_finished', `Batch ${batchId} has already finished: it cannot be cancelled.`);
  await ctx.invalidation.settle([{ kind: 'org', id: principal.orgId }]);
  return getBatch(ctx, principal, batchId);
}

