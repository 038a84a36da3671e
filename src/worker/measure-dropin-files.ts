/** Measures an ended drop-in batch's output and error files (see file-measurement.ts). */
import { findOpenaiBatchById } from '../db/queries/openai-batches.ts';
import { isTerminalBatch } from '../domain/batch-states.ts';
import { measureGeneratedFiles } from '../domain/openai-compat/files.ts';
import { field, type Task } from './tasks.ts';

export const measureDropinFilesTask: Task = {
  name: 'measure-dropin-files',
  batchSize: 2,
  async run(ctx, data) {
    const batch = await findOpenaiBatchById(ctx.db, field(data, 'batch_id'));
    if (!batch || !isTerminalBatch(batch.status)) return;
    await measureGeneratedFiles(ctx, batch);
  },
};
