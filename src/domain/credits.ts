/**
 * Prepaid credits. The balance lives on the org row and every change to it is a ledger row written
 * in the same transaction, carrying the balance after it: the ledger always sums to the balance,
 * and a CHECK keeps the balance from ever going negative.
 */
import { newId } from '../ids.ts';
import { addToBalance } from '../db/queries/orgs.ts';
import { insertLedgerEntry } from '../db/queries/credit-ledger.ts';
import type { Executor, LedgerEntryType } from '../db/schema.ts';
import type { DomainContext, RequestOrigin } from './context.ts';
import { ApiError } from './errors.ts';
import { recordAudit } from './audit.ts';

export interface Movement {
  orgId: string;
  type: LedgerEntryType;
  /** Positive adds to the balance, negative takes from it. */
  amountMicros: number;
  reason: string;
  actor: string;
  at: Date;
}

/** Moves credits and writes its ledger row, inside the caller's transaction. */
export async function recordMovement(db: Executor, movement: Movement): Promise<GrantResult> {
  const balanceMicros = await addToBalance(db, movement.orgId, movement.amountMicros);
  if (balanceMicros === null) throw new ApiError('org_not_found', `No org ${movement.orgId} exists on this instance.`);
  const ledgerEntryId = newId('led');
  await insertLedgerEntry(db, {
    id: ledgerEntryId,
    org_id: movement.orgId,
    entry_type: movement.type,
    amount_micros: movement.amountMicros,
    balance_after_micros: balanceMicros,
    reason: movement.reason,
    actor: movement.actor,
    created_at: movement.at,
  });
  return { ledgerEntryId, balanceMicros };
}

export interface GrantResult {
  ledgerEntryId: string;
  balanceMicros: number;
}

/** Adds credits to an org (an operator action), with a ledger row and an audit event. */
export async function grantCredits(
  ctx: DomainContext,
  input: { orgId: string; amountMicros: number; reason: string },
  origin: RequestOrigin,
): Promise<GrantResult> {
  if (!Number.isSafeInteger(input.amountMicros) || input.amountMicros <= 0) {
    throw new ApiError('invalid_request', 'The amount must be more than zero.', { details: [{ path: 'amount', message: 'must be more than zero' }] });
  }
  const at = ctx.clock.now();
  const grant = await ctx.db.transaction().execute(async (trx) => {
    const { ledgerEntryId, balanceMicros } = await recordMovement(trx, { orgId: input.orgId, type: 'grant', amountMicros: input.amountMicros, reason: input.reason, actor: 'operator', at });
    await ctx.invalidation.publish(trx, { kind: 'org', id: input.orgId });
    await recordAudit(trx, {
      orgId: input.orgId,
      actor: { type: 'operator', id: null },
      action: 'credits.granted',
      target: { type: 'ledger_entry', id: ledgerEntryId },
      origin,
      details: { amount_micros: input.amountMicros, reason: input.reason },
      at,
    });
    return { ledgerEntryId, balanceMicros };
  });
  await ctx.invalidation.settle([{ kind: 'org', id: input.orgId }]);
  return grant;
}
