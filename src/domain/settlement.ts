/**
 * Money of a batch. Submit reserves the quoted maximum (one ledger row); when the batch ends, one
 * transaction releases the whole reservation and captures the actual cost: the provider cost of
 * the items that succeeded plus the platform fee. Failed, cancelled and expired items cost nothing.
 * The charge never exceeds the reservation (the customer agreed to that maximum).
 */
import { costsByLane } from '../db/queries/batch-items.ts';
import { setBatchMoney, type BatchRow } from '../db/queries/batches.ts';
import type { Executor } from '../db/schema.ts';
import { recordMovement } from './credits.ts';
import { platformFee } from './pricing.ts';

export interface Settlement {
  providerCostMicros: number;
  feeMicros: number;
  capturedMicros: number;
  releasedMicros: number;
}

/** Takes `amountMicros` from the org's balance for a new batch (the caller checked it is there). */
export async function reserve(db: Executor, orgId: string, batchId: string, amountMicros: number, actor: string, at: Date): Promise<void> {
  await recordMovement(db, { orgId, type: 'reservation', amountMicros: -amountMicros, reason: `reservation for ${batchId}`, actor, at });
}

/** Settles a batch that has just ended, inside the transaction that ended it. */
export async function settle(db: Executor, batch: BatchRow, at: Date): Promise<Settlement> {
  const lanes = await costsByLane(db, batch.id);
  const providerCostMicros = lanes.reduce((sum, lane) => sum + Number(lane.cost), 0);
  const feeMicros = platformFee(providerCostMicros, batch.fee_bps);
  const capturedMicros = Math.min(providerCostMicros + feeMicros, batch.reserved_micros);
  const releasedMicros = batch.reserved_micros;
  if (releasedMicros > 0) await recordMovement(db, { orgId: batch.org_id, type: 'release', amountMicros: releasedMicros, reason: `release of the reservation for ${batch.id}`, actor: 'system', at });
  if (capturedMicros > 0) await recordMovement(db, { orgId: batch.org_id, type: 'capture', amountMicros: -capturedMicros, reason: `charge for ${batch.id}`, actor: 'system', at });
  await setBatchMoney(db, batch.id, { reserved_micros: 0, captured_micros: capturedMicros });
  return { providerCostMicros, feeMicros, capturedMicros, releasedMicros };
}
