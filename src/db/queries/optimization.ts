/**
 * SQL for the optimization report: the org's finished items in a range (the very rows usage sums,
 * `usageItemsCtes`) grouped by everything that decides where an item could run and what it cost,
 * and the same items re-priced at other prices, summed per group exactly as each item is charged.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { DB } from '../schema.ts';
import { USAGE_SUMS, usageItemsCtes, type UsageSumsRow } from './usage.ts';

/** How many example items each group names. */
const EXAMPLES_PER_GROUP = 5;

/**
 * The usage rows with what groups them: whether the item finished within `withinSeconds` of its
 * batch's submission, and a group id (a hash of every grouping column) that both queries compute alike.
 */
function analysedCtes(orgId: string, from: Date, to: Date, withinSeconds: number): RawBuilder<unknown> {
  return sql`
    ${usageItemsCtes(orgId, from, to)},
    timed as (
      select *, finished_at - batch_created_at <= make_interval(secs => ${withinSeconds}) as within_window
      from usage_items
    ),
    analysed as (
      select *,
        md5(json_build_array(sla_tier, routing_mode, privacy_tier, allowed_regions, fee_bps, operation, model, model_options,
          assigned_model, lane_id, provider, status, rescued, within_window)::text) as group_id
      from timed
    )`;
}

export interface AnalysisGroupRow extends UsageSumsRow {
  group_id: string;
  sla_tier: string;
  routing_mode: string;
  privacy_tier: string;
  allowed_regions: string[];
  fee_bps: number;
  operation: string;
  /** The preferred model, and every model the item allowed (preferred first). */
  model: string;
  model_options: string[];
  /** The model and lane that ran the items, and the lane's provider. */
  assigned_model: string;
  lane_id: string;
  provider: string | null;
  status: 'succeeded' | 'failed';
  /** Moved off a late provider batch job to a faster lane. */
  rescued: boolean;
  /** Finished within `withinSeconds` of their batch's submission. */
  within_window: boolean;
  items: number;
  /** The first items of the group to finish. */
  examples: { batch_id: string; customer_item_id: string }[];
}

/** The org's items that finished in [from, to), grouped by how they were routed and ran, with usage's sums per group. */
export async function analysisGroups(db: Kysely<DB>, orgId: string, from: Date, to: Date, withinSeconds: number): Promise<AnalysisGroupRow[]> {
  const result = await sql<AnalysisGroupRow>`
    ${analysedCtes(orgId, from, to, withinSeconds)},
    ranked as (
      select *, row_number() over (partition by group_id order by finished_at, batch_id, item_index) as rank
      from analysed
    )
    select
      group_id, sla_tier, routing_mode, privacy_tier, allowed_regions, fee_bps, operation, model, model_options,
      assigned_model, lane_id, provider, status, rescued, within_window,
      count(*)::int as items,
      ${USAGE_SUMS},
      coalesce(jsonb_agg(jsonb_build_object('batch_id', batch_id, 'customer_item_id', customer_item_id) order by rank) filter (where rank <= ${EXAMPLES_PER_GROUP}), '[]'::jsonb) as examples
    from ranked
    group by group_id, sla_tier, routing_mode, privacy_tier, allowed_regions, fee_bps, operation, model, model_options,
      assigned_model, lane_id, provider, status, rescued, within_window
    order by group_id`.execute(db);
  return result.rows;
}

/** Prices to re-price one group's succeeded items at, micro-USD per million tokens. */
export interface RepricingSpec {
  groupId: string;
  inputMicrosPerMillion: number;
  outputMicrosPerMillion: number;
}

/**
 * What each group's succeeded items would cost at each spec's prices, item by item rounded up to
 * the micro-dollar as every charge is, summed: one sum per spec, in the specs' order.
 */
export async function repricedSums(db: Kysely<DB>, orgId: string, from: Date, to: Date, withinSeconds: number, specs: readonly RepricingSpec[]): Promise<number[]> {
  if (specs.length === 0) return [];
  const table = JSON.stringify(specs.map((spec, index) => ({ spec: index, group_id: spec.groupId, input_price: spec.inputMicrosPerMillion, output_price: spec.outputMicrosPerMillion })));
  const result = await sql<{ spec: number; cost: number }>`
    ${analysedCtes(orgId, from, to, withinSeconds)},
    specs as (
      select * from jsonb_to_recordset(${table}::jsonb) as s(spec int, group_id text, input_price numeric, output_price numeric)
    )
    select s.spec, sum(div(a.input_tokens * s.input_price + a.output_tokens * s.output_price + 999999, 1000000))::bigint as cost
    from specs s join analysed a on a.group_id = s.group_id and a.status = 'succeeded'
    group by s.spec`.execute(db);
  const sums = specs.map(() => 0);
  for (const row of result.rows) sums[row.spec] = row.cost;
  return sums;
}
