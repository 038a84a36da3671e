/** Hourly: forget rate-limit windows that have ended and quotes that expired, so tables stay small. */
import { deleteQuotesBefore } from '../db/queries/quotes.ts';
import { pruneRateLimitWindows } from '../domain/rate-limits.ts';
import type { Task } from './tasks.ts';

export const pruneExpiredRowsTask: Task = {
  name: 'prune-expired-rows',
  cron: '7 * * * *',
  batchSize: 1,
  async run(ctx) {
    await pruneRateLimitWindows(ctx);
    await deleteQuotesBefore(ctx.db, ctx.clock.now());
  },
};
