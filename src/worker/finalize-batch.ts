/** Ends a batch whose items have all finished: completed (or failed when none succeeded), settled, announced. */
import { countItemsByStatus, countOpenItems } from '../db/queries/batch-items.ts';
import { lockBatch, transitionBatch } from '../db/queries/batches.ts';
import { isTerminalBatch, statusesBefore } from '../domain/batch-states.ts';
import { settle } from '../domain/settlement.ts';
import { queueFileMeasurement } from '../domain/openai-compat/file-measurement.ts';
import { emitBatchEvent } from '../domain/webhook-events.ts';
import { field, type Task } from './tasks.ts';

export const finalizeBatchTask: Task = {
  name: 'finalize-batch',
  batchSize: 10,
  async run(ctx, data) {
    const batchId = field(data, 'batch_id');
    const now = ctx.clock.now();
    const orgId = await ctx.db.transaction().execute(async (trx) => {
      const batch = await lockBatch(trx, batchId);
      if (!batch || isTerminalBatch(batch.status) || (await countOpenItems(trx, batchId)) > 0) return null;
      await transitionBatch(trx, batchId, statusesBefore('completing'), 'completing', now);
      const counts = await countItemsByStatus(trx, batchId);
      const outcome = (counts.succeeded ?? 0) > 0 ? 'completed' : 'failed';
      await transitionBatch(trx, batchId, ['completing'], outcome, now);
      await settle(trx, batch, now);
      await queueFileMeasurement(ctx.jobs, trx, batchId);
      await emitBatchEvent(ctx, trx, batchId, outcome === 'completed' ? 'batch.completed' : 'batch.failed', now, counts);
      await ctx.invalidation.publish(trx, { kind: 'org', id: batch.org_id });
      return batch.org_id;
    });
    if (orgId !== null) await ctx.invalidation.settle([{ kind: 'org', id: orgId }]);
  },
};
