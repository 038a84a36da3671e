/** Hourly: forget rate-limit windows that have ended, so the table stays small. */
import { pruneRateLimitWindows } from '../domain/rate-limits.ts';
import type { Task } from './queue.ts';

export const pruneRateLimitWindowsTask: Task = {
  name: 'prune-rate-limit-windows',
  cron: '7 * * * *',
  async run(ctx) {
    await pruneRateLimitWindows(ctx);
  },
};
