/** Tells a provider to stop a batch job whose batch was cancelled or expired (best effort). */
import { field, type Task } from './tasks.ts';

export const cancelProviderJobTask: Task = {
  name: 'cancel-provider-job',
  batchSize: 10,
  async run(ctx, data) {
    const lane = ctx.runtimeLanes.get(field(data, 'lane_id'));
    if (lane?.mode === 'batch') await lane.cancel(field(data, 'provider_job_id'));
  },
};
