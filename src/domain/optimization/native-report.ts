/**
 * The native optimization report: what the org's batches cost over a range against the baseline
 * (each item's preferred model at its provider's sync list price, as stored with the item), by
 * lane, model and SLA tier, and the recommendations that would have cost less. Its figures are
 * usage's (the same rows, fee shares and baselines), so its totals equal GET /v1/usage's for the
 * same range.
 */
import { isoTimestamp } from '../../clock.ts';
import { formatUsd } from '../../money.ts';
import { analysisGroups, type AnalysisGroupRow } from '../../db/queries/optimization.ts';
import type { Principal } from '../context.ts';
import { SLA_TIERS, SLA_WINDOW_SECONDS } from '../manifest.ts';
import type { RoutingContext } from '../quotes.ts';
import { add, NOTHING, present as presentFigures, sumsOf, usageRange, type Sums } from '../usage.ts';
import { recommend, repricingScope } from './recommendations.ts';
import { laneById, makeRerouter } from './repricing.ts';

export interface NativeReportQuery {
  from?: string | undefined;
  to?: string | undefined;
}

/** A group's sums: its items all succeeded or all failed. */
function sumsOfGroup(row: AnalysisGroupRow): Sums {
  return sumsOf({ ...row, succeeded: row.status === 'succeeded' ? row.items : 0, failed: row.status === 'failed' ? row.items : 0 });
}

/** The groups' sums by `keyOf`, in key order (or in `keys`' order, listing each even when empty). */
function breakdown(rows: readonly AnalysisGroupRow[], keyOf: (row: AnalysisGroupRow) => string, keys?: readonly string[]) {
  const sums = new Map<string, Sums>();
  for (const row of rows) sums.set(keyOf(row), add(sums.get(keyOf(row)) ?? NOTHING, sumsOfGroup(row)));
  return (keys ?? [...sums.keys()].sort()).map((key) => ({ key, ...presentFigures(sums.get(key) ?? NOTHING) }));
}

/** The org's optimization report over a range (usage's range rules and defaults). */
export async function nativeReport(ctx: RoutingContext, principal: Principal, query: NativeReportQuery) {
  const { from, to } = usageRange(query, ctx.clock.now());
  const rows = await analysisGroups(ctx.db, principal.orgId, from, to, SLA_WINDOW_SECONDS.standard);
  const totals = rows.reduce((sum, row) => add(sum, sumsOfGroup(row)), NOTHING);
  const { recommendations, totalEffectMicros } = await recommend(ctx.catalog, await makeRerouter(ctx), repricingScope(ctx.db, principal.orgId, from, to), rows);
  const charged = totals.providerCost + totals.platformFee;
  return {
    object: 'optimization_report' as const,
    source: 'batchrouter' as const,
    from: isoTimestamp(from),
    to: isoTimestamp(to),
    currency: 'usd' as const,
    final: totals.unsettled === 0,
    totals: presentFigures(totals),
    by_lane: breakdown(rows, (row) => row.lane_id).map((lane) => ({ ...lane, mode: laneById(ctx.catalog, lane.key)?.mode ?? null })),
    by_model: breakdown(rows, (row) => row.assigned_model),
    by_sla_tier: breakdown(rows, (row) => row.sla_tier, SLA_TIERS),
    recommendations,
    potential_savings: { amount: formatUsd(totalEffectMicros), percent: charged === 0 ? 0 : Math.round((totalEffectMicros / charged) * 1000) / 10 },
  };
}
