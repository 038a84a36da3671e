/** SQL for memberships (users in an org, with their role). */
import type { Insertable } from 'kysely';
import type { Executor, MembershipsTable, Role } from '../schema.ts';

/** What a member is shown with: who, their verification state, their role and since when. */
const MEMBER_COLUMNS = ['users.id as user_id', 'users.email', 'users.email_verified_at', 'memberships.role', 'memberships.created_at'] as const;

/** The members of an org, oldest first. */
export async function listMembers(db: Executor, orgId: string) {
  return db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(MEMBER_COLUMNS)
    .where('memberships.org_id', '=', orgId)
    .orderBy('memberships.created_at')
    .orderBy('users.id')
    .execute();
}

export type MemberRow = Awaited<ReturnType<typeof listMembers>>[number];

export async function findMember(db: Executor, orgId: string, userId: string): Promise<MemberRow | undefined> {
  return db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(MEMBER_COLUMNS)
    .where('memberships.org_id', '=', orgId)
    .where('memberships.user_id', '=', userId)
    .executeTakeFirst();
}

/** Adds a membership unless the user is already a member (keeping the existing role); returns whether it was added. */
export async function insertMembership(db: Executor, membership: Insertable<MembershipsTable>): Promise<boolean> {
  const result = await db.insertInto('memberships').values(membership).onConflict((oc) => oc.columns(['org_id', 'user_id']).doNothing()).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

export async function setMemberRole(db: Executor, orgId: string, userId: string, role: Role): Promise<void> {
  await db.updateTable('memberships').set({ role }).where('org_id', '=', orgId).where('user_id', '=', userId).execute();
}

export async function deleteMembership(db: Executor, orgId: string, userId: string): Promise<void> {
  await db.deleteFrom('memberships').where('org_id', '=', orgId).where('user_id', '=', userId).execute();
}

export async function countOwners(db: Executor, orgId: string): Promise<number> {
  const row = await db
    .selectFrom('memberships')
    .select((eb) => eb.fn.countAll<number>().as('owners'))
    .where('org_id', '=', orgId)
    .where('role', '=', 'owner')
    .executeTakeFirstOrThrow();
  return Number(row.owners);
}

/** The orgs a user belongs to, with the role there, oldest membership first. */
export async function listOrgsOfUser(db: Executor, userId: string) {
  return db
    .selectFrom('memberships')
    .innerJoin('orgs', 'orgs.id', 'memberships.org_id')
    .select(['orgs.id', 'orgs.display_name', 'memberships.role', 'memberships.created_at'])
    .where('memberships.user_id', '=', userId)
    .orderBy('memberships.created_at')
    .orderBy('orgs.id')
    .execute();
}

/** Locks an org's row until the transaction ends: membership changes of one org take turns on it. */
export async function lockOrgForMembershipChange(db: Executor, orgId: string): Promise<boolean> {
  const row = await db.selectFrom('orgs').select('id').where('id', '=', orgId).forUpdate().executeTakeFirst();
  return row !== undefined;
}
