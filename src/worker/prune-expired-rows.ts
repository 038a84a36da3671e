/**
 * Hourly: forget rate-limit windows that have ended, quotes that expired, sandbox jobs older
 * than a week (their results were collected long before), webhook deliveries that finished
 * more than 30 days ago, dashboard sessions ended a month ago or unused for a year (longer than
 * any session can live), and link tokens and unanswered invitations a month past their expiry,
 * so tables stay small.
 */
import { deleteQuotesBefore } from '../db/queries/quotes.ts';
import { deleteSandboxJobsBefore } from '../db/queries/sandbox-jobs.ts';
import { deleteWebhookHistoryBefore } from '../db/queries/webhooks.ts';
import { deleteSessionsBefore } from '../db/queries/sessions.ts';
import { deleteLinkTokensExpiredBefore } from '../db/queries/link-tokens.ts';
import { deleteInvitationsExpiredBefore } from '../db/queries/invitations.ts';
import { pruneRateLimitWindows } from '../domain/rate-limits.ts';
import type { Task } from './tasks.ts';

const SANDBOX_JOB_RETENTION_MS = 7 * 24 * 3600 * 1000;
/** How long the webhook delivery log keeps a finished delivery. */
export const WEBHOOK_HISTORY_RETENTION_MS = 30 * 24 * 3600 * 1000;
const ENDED_IDENTITY_RETENTION_MS = 30 * 24 * 3600 * 1000;
/** Longer than the longest configurable session (365 days, or 8,760 idle hours). */
const UNUSED_SESSION_RETENTION_MS = 366 * 24 * 3600 * 1000;

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
    const monthAgo = new Date(now.getTime() - ENDED_IDENTITY_RETENTION_MS);
    await deleteSessionsBefore(ctx.db, monthAgo, new Date(now.getTime() - UNUSED_SESSION_RETENTION_MS));
    await deleteLinkTokensExpiredBefore(ctx.db, monthAgo);
    await deleteInvitationsExpiredBefore(ctx.db, monthAgo);
  },
};
