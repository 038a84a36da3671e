/**
 * Usage: what an org's finished items used and cost over a time range, by UTC day, model,
 * provider or lane, from the same item and batch rows that settlement charges, with the savings
 * against each item's preferred model at its provider's sync list price.
 *
 * Counted: items that succeeded or failed, by the time they finished, in [from, to). Cancelled and
 * expired items are not: they used nothing and cost nothing.
 */
import { isoTimestamp } from '../clock.ts';
import { formatUsd } from '../money.ts';
import { sumUsage, type UsageGrouping, type UsageSumsRow } from '../db/queries/usage.ts';
import type { CatalogModel } from './catalog.ts';
import type { DomainContext, Principal } from './context.ts';
import { ApiError, type ErrorDetail } from './errors.ts';
import type { PriceBook } from './routing.ts';

export const USAGE_GROUPINGS = ['day', 'model', 'provider', 'lane'] as const satisfies readonly UsageGrouping[];
export type { UsageGrouping };

const DAY_MS = 24 * 3600 * 1000;
const EARLIEST = new Date('1970-01-01T00:00:00Z');
const LATEST = new Date('9999-12-31T23:59:59.999Z');
/** The range a report covers when the caller names no start. */
export const DEFAULT_RANGE_DAYS = 30;
/** The longest range one report covers: a leap year. */
export const MAX_RANGE_DAYS = 366;

/**
 * The columns an item keeps so that usage can price its baseline however the catalog changes
 * later: its preferred model's sync list price in the price book the batch was submitted with.
 */
export function baselinePriceColumns(book: PriceBook, preferred: CatalogModel | undefined) {
  if (!preferred) return {};
  const list = book.list(preferred);
  return { baseline_input_micros_per_million: list.inputMicrosPerMillion, baseline_output_micros_per_million: list.outputMicrosPerMillion };
}

export interface UsageQuery {
  from?: string | undefined;
  to?: string | undefined;
  group_by?: UsageGrouping | undefined;
}

// 2031-03-10, or 2031-03-10T14:30[:05[.123456]] with Z or an offset.
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|([+-])(\d{2}):(\d{2})))?$/;

/**
 * A timestamp as the API takes it: an RFC 3339 date-time with `Z` or an offset, or a date alone
 * (midnight UTC). Fractions below the millisecond round up: stored times are whole milliseconds,
 * so a range bound rounded up selects exactly the items the exact bound would.
 */
export function parseInstant(text: string): Date | string {
  const match = INSTANT.exec(text);
  if (!match) return 'must be an RFC 3339 timestamp with a time zone (2031-03-10T00:00:00Z) or a date (2031-03-10)';
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(match[i] ?? 0)) as [number, number, number, number, number, number];
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, 0);
  if (utc.getUTCFullYear() !== year || utc.getUTCMonth() !== month - 1 || utc.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    return 'is not a real date and time';
  }
  const fraction = match[7] ?? '';
  const millis = Number(fraction.slice(0, 3).padEnd(3, '0')) + (/[1-9]/.test(fraction.slice(3)) ? 1 : 0);
  const offsetHours = Number(match[10] ?? 0);
  const offsetMinutes = Number(match[11] ?? 0);
  if (offsetHours > 23 || offsetMinutes > 59) return 'has an offset that is not a real one (at most ±23:59)';
  const offsetMs = (match[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  const instant = new Date(utc.getTime() + millis - offsetMs);
  // Outside these years timestamps do not round-trip through every driver (PGlite reads year 0001 as 2001).
  if (instant < EARLIEST || instant > LATEST) return `must be between ${isoTimestamp(EARLIEST)} and ${isoTimestamp(LATEST)}`;
  return instant;
}

/** The range a query asks for, or one 400 naming every problem. Defaults: the last 30 days up to `now`. */
export function usageRange(query: UsageQuery, now: Date): { from: Date; to: Date } {
  const problems: ErrorDetail[] = [];
  const read = (name: 'from' | 'to'): Date | null => {
    const text = query[name];
    if (text === undefined) return null;
    const parsed = parseInstant(text);
    if (typeof parsed === 'string') {
      problems.push({ path: `query.${name}`, message: parsed });
      return null;
    }
    return parsed;
  };
  const givenFrom = read('from');
  const givenTo = read('to');
  if (problems.length === 0) {
    const to = givenTo ?? now;
    const from = givenFrom ?? new Date(to.getTime() - DEFAULT_RANGE_DAYS * DAY_MS);
    if (from.getTime() >= to.getTime()) {
      problems.push({ path: 'query.from', message: `must be before to (${isoTimestamp(to)}${givenTo ? '' : ', now'})` });
    } else if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) {
      problems.push({ path: 'query.to', message: `must be at most ${MAX_RANGE_DAYS} days after from (${isoTimestamp(from)})` });
    } else {
      return { from, to };
    }
  }
  throw new ApiError('invalid_request', 'The usage query is not valid: see details.', { details: problems });
}

/** Every UTC day that [from, to) touches, as YYYY-MM-DD. */
function daysOf(from: Date, to: Date): string[] {
  const days: string[] = [];
  for (let day = Math.floor(from.getTime() / DAY_MS) * DAY_MS; day < to.getTime(); day += DAY_MS) {
    days.push(new Date(day).toISOString().slice(0, 10));
  }
  return days;
}

/** Usage figures of some items, in integers (micro-USD, tokens, counts); the optimization report sums its own alike. */
export interface Sums {
  succeeded: number;
  failed: number;
  inputTokens: number;
  outputTokens: number;
  providerCost: number;
  platformFee: number;
  baseline: number;
  unsettled: number;
}

export const NOTHING: Sums = { succeeded: 0, failed: 0, inputTokens: 0, outputTokens: 0, providerCost: 0, platformFee: 0, baseline: 0, unsettled: 0 };

/** A group's sums as the API counts them, from usage's sums (`UsageSumsRow`) and the group's succeeded and failed items. */
export function sumsOf(row: UsageSumsRow & { succeeded: number; failed: number }): Sums {
  return {
    succeeded: row.succeeded,
    failed: row.failed,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    providerCost: row.provider_cost_micros,
    platformFee: row.platform_fee_micros,
    baseline: row.baseline_micros,
    unsettled: row.unsettled,
  };
}

export function add(a: Sums, b: Sums): Sums {
  return {
    succeeded: a.succeeded + b.succeeded,
    failed: a.failed + b.failed,
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    providerCost: a.providerCost + b.providerCost,
    platformFee: a.platformFee + b.platformFee,
    baseline: a.baseline + b.baseline,
    unsettled: a.unsettled + b.unsettled,
  };
}

/** One group (or the totals) as the API shows it. */
export function present(sums: Sums) {
  const total = sums.providerCost + sums.platformFee;
  const savings = sums.baseline - total;
  return {
    items: { total: sums.succeeded + sums.failed, succeeded: sums.succeeded, failed: sums.failed },
    input_tokens: sums.inputTokens,
    output_tokens: sums.outputTokens,
    cost: { provider_cost: formatUsd(sums.providerCost), platform_fee: formatUsd(sums.platformFee), total: formatUsd(total) },
    baseline: formatUsd(sums.baseline),
    savings: { amount: formatUsd(savings), percent: sums.baseline === 0 ? 0 : Math.round((savings / sums.baseline) * 1000) / 10 },
  };
}

/**
 * The org's usage over a range, by group, with totals that are the sums of the groups. For batches
 * wholly inside the range, `totals.cost.total` is exactly what the credit ledger captured for them.
 */
export async function getUsage(ctx: DomainContext, principal: Principal, query: UsageQuery) {
  const { from, to } = usageRange(query, ctx.clock.now());
  const groupBy = query.group_by ?? 'day';
  const rows = new Map((await sumUsage(ctx.db, principal.orgId, from, to, groupBy)).map((row) => [row.key, sumsOf(row)]));
  // Days are listed whether or not anything finished on them; other groups only when something did.
  const keys = groupBy === 'day' ? daysOf(from, to) : [...rows.keys()].sort();
  const groups = keys.map((key) => ({ key, sums: rows.get(key) ?? NOTHING }));
  const totals = groups.reduce((sum, group) => add(sum, group.sums), NOTHING);
  return {
    object: 'usage' as const,
    from: isoTimestamp(from),
    to: isoTimestamp(to),
    group_by: groupBy,
    currency: 'usd' as const,
    final: totals.unsettled === 0,
    data: groups.map((group) => ({ key: group.key, ...present(group.sums) })),
    totals: present(totals),
  };
}
