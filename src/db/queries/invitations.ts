/** SQL for workspace invitations (their tokens stored by SHA-256 only). */
import { sql, type ExpressionBuilder, type Insertable } from 'kysely';
import type { DB, Executor, InvitationsTable } from '../schema.ts';

/** Neither accepted nor revoked, and not expired at `now`: what every pending-invitation query means. */
function pendingAt(now: Date) {
  return (eb: ExpressionBuilder<DB, 'invitations'>) =>
    eb.and([eb('invitations.accepted_at', 'is', null), eb('invitations.revoked_at', 'is', null), eb('invitations.expires_at', '>', now)]);
}

export async function insertInvitation(db: Executor, invitation: Insertable<InvitationsTable>): Promise<void> {
  await db.insertInto('invitations').values(invitation).execute();
}

/** Invitations of an org neither accepted nor revoked nor expired at `now`, newest first. */
export async function listPendingInvitations(db: Executor, orgId: string, now: Date) {
  return db
    .selectFrom('invitations')
    .selectAll()
    .where('org_id', '=', orgId)
    .where(pendingAt(now))
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

export async function findInvitationOfOrg(db: Executor, orgId: string, invitationId: string) {
  return db.selectFrom('invitations').selectAll().where('org_id', '=', orgId).where('id', '=', invitationId).executeTakeFirst();
}

export type InvitationRow = NonNullable<Awaited<ReturnType<typeof findInvitationOfOrg>>>;

/** A pending invitation by its token hash, with the org's name. */
export async function findPendingInvitationByTokenHash(db: Executor, tokenHash: string, now: Date) {
  return db
    .selectFrom('invitations')
    .innerJoin('orgs', 'orgs.id', 'invitations.org_id')
    .selectAll('invitations')
    .select('orgs.display_name as org_display_name')
    .where('invitations.token_hash', '=', tokenHash)
    .where(pendingAt(now))
    .executeTakeFirst();
}

/** Marks a pending invitation accepted; false when it no longer was pending (accepted meanwhile, revoked, expired). */
export async function markInvitationAccepted(db: Executor, invitationId: string, userId: string, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('invitations')
    .set({ accepted_at: now, accepted_by_user_id: userId })
    .where('id', '=', invitationId)
    .where(pendingAt(now))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function revokeInvitation(db: Executor, invitationId: string, now: Date) {
  return db
    .updateTable('invitations')
    .set({ revoked_at: now })
    .where('id', '=', invitationId)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
}

/** Revokes the pending invitations of an org to an address (a new invitation replaces them). */
export async function revokePendingInvitationsTo(db: Executor, orgId: string, email: string, now: Date): Promise<void> {
  await db
    .updateTable('invitations')
    .set({ revoked_at: now })
    .where('org_id', '=', orgId)
    .where(sql<string>`lower(email)`, '=', email.toLowerCase())
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .execute();
}

export async function deleteInvitationsExpiredBefore(db: Executor, before: Date): Promise<number> {
  const result = await db.deleteFrom('invitations').where('accepted_at', 'is', null).where('expires_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
