/** SQL for quotes. */
import type { Insertable, Kysely } from 'kysely';
import type { DB, QuotesTable } from '../schema.ts';

export async function insertQuote(db: Kysely<DB>, quote: Insertable<QuotesTable>): Promise<void> {
  await db.insertInto('quotes').values(quote).execute();
}

export async function findQuote(db: Kysely<DB>, orgId: string, quoteId: string) {
  return db.selectFrom('quotes').select(['id', 'manifest_sha256', 'prices', 'expires_at']).where('org_id', '=', orgId).where('id', '=', quoteId).executeTakeFirst();
}

/** Deletes quotes that expired before `before`; returns how many. */
export async function deleteQuotesBefore(db: Kysely<DB>, before: Date): Promise<number> {
  const result = await db.deleteFrom('quotes').where('expires_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
