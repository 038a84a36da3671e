/** SQL for fixed-window rate limits, kept in the database so every process shares them. */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { DB } from '../schema.ts';

/**
 * Counts one hit in `bucket`'s current window (starting a new window when the old one ended) and
 * returns the count and when the window started. One statement: concurrent hits never lose a count.
 */
export async function hitWindow(db: Kysely<DB>, bucket: string, now: Date, windowMs: number) {
  const windowEnded = new Date(now.getTime() - windowMs);
  const result = await sql<{ hits: number; window_started_at: Date }>`
    insert into rate_limit_windows as w (bucket, window_started_at, hits) values (${bucket}, ${now}, 1)
    on conflict (bucket) do update set
      hits = case when w.window_started_at <= ${windowEnded} then 1 else w.hits + 1 end,
      window_started_at = case when w.window_started_at <= ${windowEnded} then ${now} else w.window_started_at end
    returning hits, window_started_at`.execute(db);
  const row = result.rows[0];
  if (!row) throw new Error('rate limit upsert returned no row');
  return row;
}

/** Deletes windows that ended before `before`; returns how many. */
export async function deleteWindowsBefore(db: Kysely<DB>, before: Date): Promise<number> {
  const result = await db.deleteFrom('rate_limit_windows').where('window_started_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Takes one hit back from `bucket`'s current window (an attempt that turned out not to count). */
export async function forgiveHit(db: Kysely<DB>, bucket: string): Promise<void> {
  await sql`update rate_limit_windows set hits = greatest(hits - 1, 0) where bucket = ${bucket}`.execute(db);
}

/** Forgets a bucket's window altogether. */
export async function deleteWindow(db: Kysely<DB>, bucket: string): Promise<void> {
  await db.deleteFrom('rate_limit_windows').where('bucket', '=', bucket).execute();
}
