/** SQL for dashboard sessions. Tokens are looked up by their SHA-256 only. */
import type { Insertable } from 'kysely';
import type { Executor, SessionsTable } from '../schema.ts';

export async function insertSession(db: Executor, session: Insertable<SessionsTable>): Promise<void> {
  await db.insertInto('sessions').values(session).execute();
}

/**
 * The session with this token hash, with its user and the user's role in the session's org (null
 * when the user is no longer a member there).
 */
export async function findSessionByTokenHash(db: Executor, tokenHash: string) {
  return db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .leftJoin('memberships', (join) => join.onRef('memberships.org_id', '=', 'sessions.org_id').onRef('memberships.user_id', '=', 'sessions.user_id'))
    .select([
      'sessions.id',
      'sessions.user_id',
      'sessions.org_id',
      'sessions.created_at',
      'sessions.last_seen_at',
      'sessions.revoked_at',
      'memberships.role',
    ])
    .where('sessions.token_hash', '=', tokenHash)
    .executeTakeFirst();
}

export type SessionLookup = NonNullable<Awaited<ReturnType<typeof findSessionByTokenHash>>>;

export async function findSessionOfUser(db: Executor, userId: string, sessionId: string) {
  return db.selectFrom('sessions').selectAll().where('id', '=', sessionId).where('user_id', '=', userId).executeTakeFirst();
}

/** Moves last_seen_at forward unless another request did within `granularityMs`. */
export async function touchSession(db: Executor, sessionId: string, now: Date, granularityMs: number): Promise<void> {
  await db
    .updateTable('sessions')
    .set({ last_seen_at: now })
    .where('id', '=', sessionId)
    .where('last_seen_at', '<', new Date(now.getTime() - granularityMs))
    .execute();
}

/** Sessions of a user not revoked, last seen after `seenAfter` and created after `createdAfter`, newest first. */
export async function listLiveSessionsOfUser(db: Executor, userId: string, seenAfter: Date, createdAfter: Date) {
  return db
    .selectFrom('sessions')
    .select(['id', 'org_id', 'created_at', 'last_seen_at', 'ip', 'user_agent'])
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('last_seen_at', '>', seenAfter)
    .where('created_at', '>', createdAfter)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

/** The most recently used org among the user's sessions, if any. */
export async function lastSessionOrg(db: Executor, userId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('sessions')
    .innerJoin('memberships', (join) => join.onRef('memberships.org_id', '=', 'sessions.org_id').onRef('memberships.user_id', '=', 'sessions.user_id'))
    .select('sessions.org_id')
    .where('sessions.user_id', '=', userId)
    .orderBy('sessions.last_seen_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.org_id;
}

export async function revokeSession(db: Executor, sessionId: string, at: Date, reason: string) {
  return db
    .updateTable('sessions')
    .set({ revoked_at: at, revoked_reason: reason })
    .where('id', '=', sessionId)
    .where('revoked_at', 'is', null)
    .returning(['id', 'revoked_at'])
    .executeTakeFirst();
}

/** Revokes every open session of a user (but `exceptSessionId`, when given); returns how many. */
export async function revokeSessionsOfUser(db: Executor, userId: string, at: Date, reason: string, exceptSessionId: string | null = null): Promise<number> {
  let query = db.updateTable('sessions').set({ revoked_at: at, revoked_reason: reason }).where('user_id', '=', userId).where('revoked_at', 'is', null);
  if (exceptSessionId !== null) query = query.where('id', '<>', exceptSessionId);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Revokes a user's open sessions acting in one org; returns how many. */
export async function revokeSessionsOfMember(db: Executor, orgId: string, userId: string, at: Date, reason: string): Promise<number> {
  const result = await db
    .updateTable('sessions')
    .set({ revoked_at: at, revoked_reason: reason })
    .where('org_id', '=', orgId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function setSessionOrg(db: Executor, sessionId: string, orgId: string): Promise<void> {
  await db.updateTable('sessions').set({ org_id: orgId }).where('id', '=', sessionId).execute();
}

export async function setSessionTokenHash(db: Executor, sessionId: string, tokenHash: string): Promise<void> {
  await db.updateTable('sessions').set({ token_hash: tokenHash }).where('id', '=', sessionId).execute();
}

/** Forgets sessions revoked before `revokedBefore` or unused since `seenBefore`; returns how many. */
export async function deleteSessionsBefore(db: Executor, revokedBefore: Date, seenBefore: Date): Promise<number> {
  const result = await db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('revoked_at', '<', revokedBefore), eb('last_seen_at', '<', seenBefore)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
