/**
 * Prepaid credits. The balance lives on the org row and every change to it is a ledger row written
 * in the same transaction, carrying the balance after it: the ledger always sums to the balance,
 * and a CHECK keeps the balance from ever going negative.
 */
import { newId } from '../ids.ts';
import { addToBalance } from '../db/queries/orgs.ts';
import { insertLedgerEntry } from '../db/queries/credit-ledger.ts';
import type { DomainContext, RequestOrigin } from './context.ts';
import { ApiError } from './errors.ts';
import { recordAudit } from './audit.ts';

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
    const balanceMicros = await addToBalance(trx, input.orgId, input.amountMicros);
    if (balanceMicros === null) throw new ApiError('org_not_found', `No org ${input.orgId} exists on this instance.`);
    const ledgerEntryId = newId('led');
    await insertLedgerEntry(trx, {
      id: ledgerEntryId,
      org_id: input.orgId,
      entry_type: 'grant',
      amount_micros: input.amountMicros,
      balance_after_micros: balanceMicros,
      reason: input.reason,
      actor: 'operator',
      created_at: at,
    });
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
