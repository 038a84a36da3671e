/**
 * Billing as the dashboard and the API show it: the org's credits (held, reserved for running
 * batches, available), the batches holding reservations, and the ledger every amount comes from.
 */
import { isoTimestamp } from '../clock.ts';
import { formatUsd } from '../money.ts';
import { listReservingBatches } from '../db/queries/batches.ts';
import { listLedgerEntries } from '../db/queries/credit-ledger.ts';
import { findOrg } from '../db/queries/orgs.ts';
import type { LedgerEntryType } from '../db/schema.ts';
import type { DomainContext, Principal } from './context.ts';
import { ApiError } from './errors.ts';
import type { PageCursor } from '../db/queries/pages.ts';

/**
 * The org's credits: `available` is what a new batch may reserve (the ledger's running balance);
 * `reserved` is held by batches still running; `balance` is both together.
 */
export async function getBilling(ctx: DomainContext, principal: Principal) {
  const [org, reserving] = await Promise.all([findOrg(ctx.db, principal.orgId), listReservingBatches(ctx.db, principal.orgId)]);
  if (!org) throw new ApiError('org_not_found', 'The org of this key no longer exists.');
  const reserved = reserving.reduce((sum, batch) => sum + batch.reserved_micros, 0);
  return {
    object: 'billing' as const,
    currency: 'usd' as const,
    balance: formatUsd(org.credit_balance_micros + reserved),
    reserved: formatUsd(reserved),
    available: formatUsd(org.credit_balance_micros),
  };
}

/** The batches holding a reservation now, newest first. */
export async function listReservations(ctx: DomainContext, principal: Principal) {
  const batches = await listReservingBatches(ctx.db, principal.orgId);
  return { data: batches.map((batch) => ({ batch_id: batch.id, status: batch.status, reserved: formatUsd(batch.reserved_micros), created_at: isoTimestamp(batch.created_at) })) };
}

/** One page of the org's ledger, newest first (optionally one entry type, e.g. `grant`), and the cursor of the next page. */
export async function listLedger(ctx: DomainContext, principal: Principal, entryType: LedgerEntryType | undefined, limit: number, after: PageCursor | null) {
  const rows = await listLedgerEntries(ctx.db, principal.orgId, entryType, limit + 1, after);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    data: page.map((entry) => ({
      id: entry.id,
      entry_type: entry.entry_type,
      amount: formatUsd(entry.amount_micros),
      balance_after: formatUsd(entry.balance_after_micros),
      reason: entry.reason,
      actor: entry.actor,
      created_at: isoTimestamp(entry.created_at),
    })),
    next: rows.length > limit && last ? { createdAt: last.created_at, id: last.id } : null,
  };
}
