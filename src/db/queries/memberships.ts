/** SQL for memberships (users in an org, with their role). */
import type { Kysely } from 'kysely';
import type { DB } from '../schema.ts';

export async function listMembers(db: Kysely<DB>, orgId: string) {
  return db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.id as user_id', 'users.email', 'memberships.role', 'memberships.created_at'])
    .where('memberships.org_id', '=', orgId)
    .orderBy('memberships.created_at')
    .orderBy('users.id')
    .execute();
}
