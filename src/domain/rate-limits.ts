/** Fixed-window rate limits shared by every process through the database. */
import { deleteWindowsBefore, hitWindow } from '../db/queries/rate-limit-windows.ts';
import type { DomainContext } from './context.ts';
import { ApiError } from './errors.ts';

export const HOUR_MS = 60 * 60 * 1000;

/** Counts a hit against `bucket`; throws `rate_limited` with Retry-After once `limit` is passed. */
export async function consumeRateLimit(ctx: DomainContext, bucket: string, limit: number, windowMs: number): Promise<void> {
  const now = ctx.clock.now();
  const window = await hitWindow(ctx.db, bucket, now, windowMs);
  if (window.hits <= limit) return;
  const retryAfterSeconds = Math.max(1, Math.ceil((window.window_started_at.getTime() + windowMs - now.getTime()) / 1000));
  throw new ApiError('rate_limited', `Too many requests: at most ${limit} per ${Math.round(windowMs / 60000)} minutes from one address.`, {
    headers: { 'retry-after': String(retryAfterSeconds) },
  });
}

/** Forgets windows older than the longest window in use; returns how many were removed. */
export async function pruneRateLimitWindows(ctx: DomainContext, longestWindowMs: number = HOUR_MS): Promise<number> {
  return deleteWindowsBefore(ctx.db, new Date(ctx.clock.now().getTime() - longestWindowMs));
}
