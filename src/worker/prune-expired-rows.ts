/**
 * Hourly: forget rate-limit windows that have ended, quotes that expired, sandbox jobs older
 * than a week (their results were collected long before), and webhook deliveries that finished
 * more than 30 days ago, so tables stay small.
 */
import { deleteQuotesBefore } from '../db/queries/quotes.ts';
import { deleteSandboxJobsBefore } from '../db/queries/sandbox-jobs.ts';
import { deleteWebhookHistoryBefore } from '../db/queries/webhooks.ts';
import { pruneRateLimitWindows } from '../domain/rate-limits.ts';
import type { Task } from './tasks.ts';

const SANDBOX_JOB_RETENTION_MS = 7 * 24 * 3600 * 1000;
/** How long the webhook delivery log keeps a finished delivery. */
export const WEBHOOK_HISTORY_RETENTION_MS = 30 * 24 * 3600 * 1000;

export const pruneExpiredRowsTask: Task = {
  name: 'prune-expired-rows',
  cron: '7 * * * *',
  batchSize: 1,
  async run(ctx) {
    await pruneRateLimitWindows(ctx);
    const now = ctx.clock.now();
    await deleteQuotesBefore(ctx.db, now);
    await deleteSandboxJobsBefore(ctx.db, new Date(now.getTime() - SANDBOX_JOB_RETENTION_MS));
    await deleteWebhookHistoryBefore(ctx.db, new Date(now.getTime() - WEBHOOK_HISTORY_RETENTION_MS));
  },
};
