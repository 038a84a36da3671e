/**
 * SQL for usage reports: an org's finished items (succeeded and failed) in a time range, summed by
 * UTC day, model, provider or lane, from the same item and batch rows that settlement charges.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../schema.ts';

export type UsageGrouping = 'day' | 'model' | 'provider' | 'lane';

/** The group of an item of `usage_items`: the UTC day it finished, the model and lane that ran it, the lane's provider. */
const GROUP_KEY: Record<UsageGrouping, RawBuilder<string>> = {
  day: sql`to_char(finished_at at time zone 'UTC', 'YYYY-MM-DD')`,
  model: sql`assigned_model`,
  provider: sql`coalesce(provider, 'unknown')`,
  lane: sql`lane_id`,
};

/**
 * A batch's items may finish on a clock a little behind the one that ended the batch (another
 * process): batches are looked for this much beyond the range, and their items filtered exactly.
 */
const CLOCK_SKEW_MARGIN_MS = 60 * 60 * 1000;
/** The last instant every driver passes through faithfully (a five-digit year does not). */
const LATEST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Usage's sums over a group of `usage_items` rows, as `USAGE_SUMS` selects them. */
export interface UsageSumsRow {
  input_tokens: number;
  output_tokens: number;
  provider_cost_micros: number;
  platform_fee_micros: number;
  baseline_micros: number;
  /** Items of batches not settled yet, whose fee share is provisional. */
  unsettled: number;
}

/** The select list of `UsageSumsRow`, for a query grouping `usage_items` rows. */
export const USAGE_SUMS: RawBuilder<unknown> = sql`
  sum(input_tokens)::bigint as input_tokens,
  sum(output_tokens)::bigint as output_tokens,
  sum(cost)::bigint as provider_cost_micros,
  sum(fee)::bigint as platform_fee_micros,
  sum(baseline)::bigint as baseline_micros,
  count(*) filter (where not settled)::int as unsettled`;

export interface UsageGroupRow extends UsageSumsRow {
  key: string;
  succeeded: number;
  failed: number;
}

/**
 * The org's items that finished in [from, to) (succeeded and failed), one row each with its batch's
 * settings, its share of its batch's platform fee and its baseline: every usage figure is a sum of
 * these rows. A list of CTEs ending in `usage_items`, for a `select … from usage_items` to follow.
 *
 * Provider cost is each succeeded item's own cost. The platform fee is charged per batch when it
 * settles (the capture less the items' provider cost, so a capped charge shows as a smaller fee);
 * it is shared out over the batch's items in proportion to their cost, in finishing order, with
 * every share a whole micro-dollar and the shares summing exactly to the batch's fee: item k gets
 * [F·Cₖ/C] − [F·Cₖ₋₁/C], Cₖ being the batch's cost up to and including item k and [x] the whole
 * part of x (the sum telescopes to F whatever F's sign; numeric, so nothing overflows). A batch still
 * running shares the fee its cost so far would bear. The baseline is the item's tokens at the list
 * prices stored with it, rounded up as every price is; an item stored without them counts its own
 * charge, so no savings are claimed for it.
 */
export function usageItemsCtes(orgId: string, from: Date, to: Date): RawBuilder<unknown> {
  const batchesFrom = new Date(from.getTime() - CLOCK_SKEW_MARGIN_MS);
  const batchesTo = new Date(Math.min(to.getTime() + CLOCK_SKEW_MARGIN_MS, LATEST_MS));
  return sql`
    with touched as (
      select id, fee_bps, captured_micros, sla_tier, routing_mode, privacy_tier, allowed_regions, created_at,
        status in ('completed', 'failed', 'cancelled', 'expired') as settled
      from batches
      where org_id = ${orgId}
        and coalesce(finished_at, 'infinity'::timestamptz) >= ${batchesFrom}
        and created_at < ${batchesTo}
    ),
    finished as (
      select
        i.batch_id,
        i.item_index,
        i.customer_item_id,
        i.operation,
        i.model,
        i.model_options,
        i.assigned_model,
        i.lane_id,
        -- The receipt's selected lane is the one that delivered the result (rescues included).
        i.route_receipt->'selected'->>'provider' as provider,
        i.rescued_from_unit_id is not null as rescued,
        i.status,
        i.finished_at,
        t.settled,
        t.sla_tier,
        t.routing_mode,
        t.privacy_tier,
        t.allowed_regions,
        t.created_at as batch_created_at,
        coalesce(i.cost_micros, 0)::numeric as cost,
        coalesce((i.usage->>'input_tokens')::numeric, 0) as input_tokens,
        coalesce((i.usage->>'output_tokens')::numeric, 0) as output_tokens,
        i.baseline_input_micros_per_million as baseline_input,
        i.baseline_output_micros_per_million as baseline_output,
        t.captured_micros,
        t.fee_bps,
        sum(coalesce(i.cost_micros, 0)) over (partition by i.batch_id order by i.result_sequence) as cost_through,
        sum(coalesce(i.cost_micros, 0)) over (partition by i.batch_id) as batch_cost
      from batch_items i join touched t on t.id = i.batch_id
      where i.status in ('succeeded', 'failed')
    ),
    fees as (
      select *, case when settled then captured_micros - batch_cost else div(batch_cost * fee_bps + 9999, 10000) end as batch_fee
      from finished
      where finished_at >= ${from} and finished_at < ${to}
    ),
    shared as (
      select *,
        case when batch_cost = 0 then 0
             else div(batch_fee * cost_through, batch_cost) - div(batch_fee * (cost_through - cost), batch_cost) end as fee
      from fees
    ),
    usage_items as (
      select *,
        case when status <> 'succeeded' then 0
             when baseline_input is null or baseline_output is null then cost + fee
             else div(input_tokens * baseline_input + output_tokens * baseline_output + 999999, 1000000) end as baseline
      from shared
    )`;
}

/** Sums per group over the org's items that finished in [from, to) (see `usageItemsCtes`). */
export async function sumUsage(db: Kysely<DB>, orgId: string, from: Date, to: Date, grouping: UsageGrouping): Promise<UsageGroupRow[]> {
  const result = await sql<UsageGroupRow>`
    ${usageItemsCtes(orgId, from, to)}
    select
      ${GROUP_KEY[grouping]} as key,
      count(*) filter (where status = 'succeeded')::int as succeeded,
      count(*) filter (where status = 'failed')::int as failed,
      ${USAGE_SUMS}
    from usage_items
    group by 1`.execute(db);
  return result.rows;
}
