/** Fixed-window rate limits shared by every process through the database. */
import { deleteWindow, deleteWindowsBefore, forgiveHit, hitWindow } from '../db/queries/rate-limit-windows.ts';
import type { DomainContext } from './context.ts';
import { ApiError } from './errors.ts';

export const HOUR_MS = 60 * 60 * 1000;

/**
 * Counts a hit against `bucket`; throws `rate_limited` with Retry-After once `limit` is passed.
 * `what` completes the message: "at most 10 per 15 minutes <what>".
 */
export async function consumeRateLimit(ctx: DomainContext, bucket: string, limit: number, windowMs: number, what = 'from one address'): Promise<void> {
  const now = ctx.clock.now();
  const window = await hitWindow(ctx.db, bucket, now, windowMs);
  if (window.hits <= limit) return;
  const retryAfterSeconds = Math.max(1, Math.ceil((window.window_started_at.getTime() + windowMs - now.getTime()) / 1000));
  throw new ApiError('rate_limited', `Too many requests: at most ${limit} per ${Math.round(windowMs / 60000)} minutes ${what}.`, {
    headers: { 'retry-after': String(retryAfterSeconds) },
  });
}

/** Takes back a hit counted by consumeRateLimit (an attempt that succeeded, when only failures count). */
export async function forgiveRateLimitHit(ctx: DomainContext, bucket: string): Promise<void> {
  await forgiveHit(ctx.db, bucket);
}

/** Starts a bucket afresh (an account's failed sign-ins, after a successful one). */
export async function resetRateLimit(ctx: DomainContext, bucket: string): Promise<void> {
  await deleteWindow(ctx.db, bucket);
}

/** Forgets windows older than the longest window in use; returns how many were removed. */
export async function pruneRateLimitWindows(ctx: DomainContext, longestWindowMs: number = HOUR_MS): Promise<number> {
  return deleteWindowsBefore(ctx.db, new Date(ctx.clock.now().getTime() - longestWindowMs));
}
