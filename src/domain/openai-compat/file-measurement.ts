/**
 * When a drop-in batch ends, its output and error files are measured (lines and bytes) by a job
 * of their own, queued in the transaction that ends the batch: listing files then costs nothing.
 */
import { isOpenaiBatch } from '../../db/queries/openai-batches.ts';
import type { Executor } from '../../db/schema.ts';
import type { JobQueue } from '../batches.ts';

export async function queueFileMeasurement(jobs: JobQueue, trx: Executor, batchId: string): Promise<void> {
  if (await isOpenaiBatch(trx, batchId)) await jobs.send(trx, 'measure-dropin-files', { batch_id: batchId });
}
