/** One attempt of a webhook delivery (src/domain/webhook-delivery.ts); a failure queues the next one itself. */
import { attemptDelivery } from '../domain/webhook-delivery.ts';
import { field, type Task } from './tasks.ts';

export const deliverWebhookTask: Task = {
  name: 'deliver-webhook',
  // Each attempt waits on a receiver for up to 10 s: several run at once so one slow receiver does not hold up the rest.
  batchSize: 8,
  async run(ctx, data) {
    const attempt = Number(field(data, 'attempt'));
    const delivery = await attemptDelivery(ctx, field(data, 'delivery_id'), attempt, { retry: true });
    if (delivery?.status === 'failed') ctx.logger.warn({ delivery_id: delivery.id, attempts: delivery.attempt_count, error: delivery.last_error }, 'webhook delivery failed for good');
  },
};
