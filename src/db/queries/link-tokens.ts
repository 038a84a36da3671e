/** SQL for the single-use tokens of emailed links (stored by SHA-256 only). */
import type { Insertable } from 'kysely';
import type { Executor, LinkPurpose, LinkTokensTable } from '../schema.ts';

export async function insertLinkToken(db: Executor, token: Insertable<LinkTokensTable>): Promise<void> {
  await db.insertInto('link_tokens').values(token).execute();
}

/** A token of that purpose, still unused and unexpired at `now`. */
export async function findUsableLinkToken(db: Executor, tokenHash: string, purpose: LinkPurpose, now: Date) {
  return db
    .selectFrom('link_tokens')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

/** Marks a usable token used; returns it, or undefined when it was not usable (used meanwhile, expired, unknown). */
export async function useLinkToken(db: Executor, tokenHash: string, purpose: LinkPurpose, now: Date) {
  return db
    .updateTable('link_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returningAll()
    .executeTakeFirst();
}

/** Spends every open token of a user for a purpose (a newer link, or a reset, makes them pointless). */
export async function useAllLinkTokens(db: Executor, userId: string, purpose: LinkPurpose, now: Date): Promise<void> {
  await db.updateTable('link_tokens').set({ used_at: now }).where('user_id', '=', userId).where('purpose', '=', purpose).where('used_at', 'is', null).execute();
}

export async function deleteLinkTokensExpiredBefore(db: Executor, before: Date): Promise<number> {
  const result = await db.deleteFrom('link_tokens').where('expires_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
