/** Every minute: batches past their SLA deadline end as expired; unfinished items cost nothing. */
import { findOverdueBatchIds } from '../db/queries/batches.ts';
import { endBatch } from '../domain/batches.ts';
import type { Task, WorkerContext } from './tasks.ts';

/** Expires every open batch whose deadline has passed; returns their ids. */
export async function expireOverdueBatches(ctx: WorkerContext): Promise<string[]> {
  const now = ctx.clock.now();
  const expired: string[] = [];
  for (const batchId of await findOverdueBatchIds(ctx.db, now)) {
    const orgId = await ctx.db.transaction().execute((trx) => endBatch(ctx, trx, batchId, 'expired', now));
    if (orgId === null) continue;
    await ctx.invalidation.settle([{ kind: 'org', id: orgId }]);
    expired.push(batchId);
  }
  return expired;
}

export const expireBatchesTask: Task = {
  name: 'expire-batches',
  cron: '* * * * *',
  batchSize: 1,
  async run(ctx) {
    const expired = await expireOverdueBatches(ctx);
    if (expired.length > 0) ctx.logger.info({ batches: expired }, 'batches expired');
  },
};
